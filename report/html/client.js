/* global uPlot, document, window */
// Draws the report's charts in the page from the data embedded by page.ts (report/html/series.ts
// computes it). Plain browser JavaScript, inlined into report.html after uPlot; no network.
// Each chart's container gets data-drawn="true" once uPlot has drawn it (the browser test checks).
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('cartload-data').textContent);
  if (!data) return;
  var COLORS = {
    p50: '#4c78a8',
    p95: '#f58518',
    p99: '#e45756',
    requests: '#4c78a8',
    errors: '#e45756',
    vus: '#8c8c8c',
    waiting: '#72b7b2',
    achieved: '#54a24b',
    offered: '#9d9d9d',
  };
  var charts = [];

  function ms(_u, v) {
    return v == null ? '–' : (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + ' ms';
  }
  function perSecond(_u, v) {
    return v == null ? '–' : (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + '/s';
  }
  function plain(_u, v) {
    return v == null ? '–' : String(Math.round(v * 100) / 100);
  }
  function percent(_u, v) {
    return v == null ? '–' : (v * 100).toFixed(2) + '%';
  }

  function panel(parent, title, note, wide) {
    var el = document.createElement('div');
    el.className = 'chart' + (wide ? ' wide' : '');
    var h = document.createElement('h3');
    h.textContent = title;
    el.appendChild(h);
    if (note) {
      var p = document.createElement('p');
      p.className = 'note';
      p.textContent = note;
      el.appendChild(p);
    }
    var plot = document.createElement('div');
    el.appendChild(plot);
    parent.appendChild(el);
    return { box: el, plot: plot };
  }

  function widthOf(el) {
    return Math.max(300, el.clientWidth - 12);
  }

  function draw(target, opts, series) {
    opts.width = widthOf(target.box);
    opts.height = opts.height || 230;
    var u = new uPlot(opts, series, target.plot);
    charts.push({ u: u, box: target.box });
    target.box.setAttribute('data-drawn', 'true');
    return u;
  }

  // A run of one or two slices has no line to draw between its points: show the points.
  var few = data.x.length <= 2;

  function line(label, color, value, extra) {
    var s = {
      label: label,
      stroke: color,
      width: 1.6,
      value: value,
      spanGaps: false,
      points: { show: few, size: 7, fill: color },
    };
    if (extra) for (var k in extra) s[k] = extra[k];
    return s;
  }

  var root = document.getElementById('charts');
  if (root) {
    if (data.x.length === 0) {
      var none = document.createElement('p');
      none.className = 'muted';
      none.textContent = 'No request ended during this run: nothing to draw.';
      root.appendChild(none);
    } else {
      // Throughput and errors, with k6's VUs on a second axis.
      var series = [{}, line('requests/s', COLORS.requests, perSecond), line('errors/s', COLORS.errors, perSecond)];
      var values = [data.x, data.requestsPerSecond, data.errorsPerSecond];
      var axes = [{}, { label: 'per second', size: 56 }];
      if (data.vus) {
        series.push(line('VUs', COLORS.vus, plain, { scale: 'vus', dash: [4, 3] }));
        values.push(data.vus);
        axes.push({ scale: 'vus', side: 1, label: 'VUs', grid: { show: false }, size: 50 });
      }
      draw(
        panel(root, 'Throughput and errors', 'Requests and failed requests ended per second.', true),
        { series: series, axes: axes, scales: { x: { time: true } } },
        values,
      );

      Object.keys(data.latency).forEach(function (step) {
        var l = data.latency[step];
        draw(
          panel(root, 'Latency: ' + step, 'Percentiles of the requests that ended in each slice.'),
          {
            series: [{}, line('p50', COLORS.p50, ms), line('p95', COLORS.p95, ms), line('p99', COLORS.p99, ms)],
            axes: [{}, { label: 'ms', size: 56 }],
            scales: { x: { time: true } },
          },
          [data.x, l.p50, l.p95, l.p99],
        );
      });

      if (data.lag) {
        draw(
          panel(
            root,
            'Lag',
            'How late steps were sent against their schedule, and how long steps waited for their session\u2019s previous answer.',
            true,
          ),
          {
            series: [
              {},
              line('lag p50', COLORS.p50, ms),
              line('lag p99', COLORS.p99, ms),
              line('waiting p99', COLORS.waiting, ms),
            ],
            axes: [{}, { label: 'ms', size: 56 }],
            scales: { x: { time: true } },
          },
          [data.x, data.lag.p50, data.lag.p99, data.lag.waitingP99],
        );
      }
    }
  }

  var cap = document.getElementById('capacity-charts');
  if (cap && data.capacity && data.capacity.points.length > 0) {
    var pts = data.capacity.points.slice().sort(function (a, b) {
      return a.offered - b.offered;
    });
    var offered = pts.map(function (p) {
      return p.offered;
    });
    var unit = data.capacity.unit;
    var note = [];
    if (data.capacity.sustainable != null)
      note.push('highest rate within the SLO: ' + data.capacity.sustainable + ' ' + unit);
    if (data.capacity.knee != null) note.push('knee: ' + data.capacity.knee + ' ' + unit);
    draw(
      panel(cap, 'Latency and errors against offered rate', note.join('; ')),
      {
        scales: { x: { time: false }, pct: { range: [0, 1] } },
        series: [
          { label: 'offered (' + unit + ')' },
          line('p50', COLORS.p50, ms, { points: { show: true } }),
          line('p95', COLORS.p95, ms, { points: { show: true } }),
          line('p99', COLORS.p99, ms, { points: { show: true } }),
          line('error rate', COLORS.errors, percent, { scale: 'pct', dash: [4, 3], points: { show: true } }),
        ],
        axes: [
          { label: 'offered ' + unit },
          { label: 'ms', size: 56 },
          {
            scale: 'pct',
            side: 1,
            label: 'errors',
            grid: { show: false },
            size: 56,
            values: function (_u, vals) {
              return vals.map(function (v) {
                return (v * 100).toFixed(0) + '%';
              });
            },
          },
        ],
      },
      [
        offered,
        pts.map(function (p) {
          return p.p50;
        }),
        pts.map(function (p) {
          return p.p95;
        }),
        pts.map(function (p) {
          return p.p99;
        }),
        pts.map(function (p) {
          return p.errorRate;
        }),
      ],
    );
    draw(
      panel(
        cap,
        'Achieved against offered rate',
        'Below the diagonal, the target (or the load generator) fell behind.',
      ),
      {
        scales: { x: { time: false } },
        series: [
          { label: 'offered (' + unit + ')' },
          line('achieved', COLORS.achieved, plain, { points: { show: true } }),
          line('offered', COLORS.offered, plain, { dash: [4, 3] }),
        ],
        axes: [{ label: 'offered ' + unit }, { label: unit, size: 56 }],
      },
      [
        offered,
        pts.map(function (p) {
          return p.achieved;
        }),
        offered,
      ],
    );
  }

  var pending = 0;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = window.requestAnimationFrame(function () {
      pending = 0;
      charts.forEach(function (c) {
        c.u.setSize({ width: widthOf(c.box), height: c.u.height });
      });
    });
  });
  document.body.setAttribute('data-charts', String(charts.length));
})();
