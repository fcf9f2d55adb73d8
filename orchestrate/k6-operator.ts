// `cartload deploy k6-operator`: the Kubernetes objects that run a scenario on k6-operator
// (https://github.com/grafana/k6-operator) over `parallelism` k6 instances, made from the bundle.
//
// The bundle's files (the script, pools.json, a profile file) are gzipped and cut into ConfigMaps
// of at most CHUNK_BYTES each: a ConfigMap holds at most 1 MiB (data and binaryData together) and
// the default pools alone are 1.6 MB (345 KB gzipped), a user's catalog can be larger. An init
// container joins the pieces and unzips them into an emptyDir that the k6 container sees; the
// TestRun's script is that local file (k6-operator's script.localFile), which k6 runs with
// pools.json beside it. The initializer pod (which inspects the script before the run) unpacks
// the same way. The API key comes from a Secret the user creates; it is never in these objects.
// Each runner writes its results, and k6's metric stream, to <results volume>/<pod name>/ for
// `cartload merge`.
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { K6_METRICS_FILE } from '../report/k6/metrics-file.ts';

/** Raw bytes of binaryData per ConfigMap: half the 1 MiB limit, so base64 and metadata fit any API server. */
export const CHUNK_BYTES = 512 * 1024;
/** What Kubernetes allows a ConfigMap (data + binaryData), in bytes. */
export const CONFIGMAP_LIMIT = 1024 * 1024;

export interface BundleFile {
  /** Its name beside the script (e.g. `lifecycle.js`, `pools.json`). */
  name: string;
  content: Buffer;
}

export interface K6OperatorOptions {
  /** The scenario's script name (`lifecycle.js`); must be one of `files`. */
  script: string;
  files: BundleFile[];
  /** The TestRun's name; the ConfigMaps are `<name>-bundle-<n>`. */
  name: string;
  parallelism: number;
  /** One runner per node (k6-operator's podAntiAffinity shortcut). */
  separate: boolean;
  namespace?: string;
  /** Variables for every k6 instance (TALON_BASE_URL, RATE, DURATION, ...). Never the API key. */
  vars: Record<string, string>;
  /** One namespace for all instances' session IDs. */
  sessionPrefix: string;
  /** The Secret holding the API key, and its key. */
  secret: { name: string; key: string };
  /** A ReadWriteMany PersistentVolumeClaim for the results; undefined: results only in the runners' logs. */
  resultsClaim?: string;
  /** The k6 image (default: k6-operator's, grafana/k6:latest). */
  image?: string;
  /** The image of the init containers, which needs sh, cat, gunzip and mkdir. */
  toolsImage?: string;
  /** Where the ConfigMaps and the unpacked bundle are mounted (tests run the unpack script elsewhere). */
  mounts?: { bundle: string; unpacked: string; results: string };
  chunkBytes?: number;
}

export interface K6OperatorManifests {
  /** The ConfigMaps, then the TestRun, as Kubernetes objects. */
  objects: Record<string, unknown>[];
  /** All of them as one YAML stream. */
  yaml: string;
  /** The init container's shell script that rebuilds the bundle (tests run it). */
  unpackScript: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes object names: a DNS label, short enough for the pods' and ConfigMaps' suffixes. */
export function checkK8sName(name: string): string | undefined {
  return DNS_LABEL.test(name) && name.length <= 40
    ? undefined
    : `--name "${name}": use at most 40 lower-case letters, digits and '-', starting and ending with a letter or digit`;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const quote = (path: string): string => `'${path.replaceAll("'", `'\\''`)}'`;

export function k6OperatorManifests(o: K6OperatorOptions): K6OperatorManifests {
  const chunk = o.chunkBytes ?? CHUNK_BYTES;
  const mounts = o.mounts ?? { bundle: '/bundle', unpacked: '/cartload', results: '/results' };
  if (!o.files.some((f) => f.name === o.script)) throw new Error(`the bundle has no ${o.script}`);
  if (!(Number.isInteger(o.parallelism) && o.parallelism >= 1))
    throw new RangeError(`--parallelism must be a whole number of at least 1, got ${o.parallelism}`);

  // Each file gzipped and cut into pieces; pieces fill ConfigMaps in order, up to `chunk` bytes each.
  const configMaps: { index: number; binaryData: Record<string, string>; size: number }[] = [];
  const pieces = new Map<string, string[]>();
  for (const f of o.files) {
    // zlib's default level: level 9 makes the default pools 3% smaller (336 KB instead of 345 KB)
    // for four times the CPU, and rarely saves a ConfigMap.
    const gz = gzipSync(f.content);
    const paths: string[] = [];
    for (let at = 0, part = 0; at < gz.length || part === 0; part++) {
      let cm = configMaps.at(-1);
      if (!cm || cm.size >= chunk) {
        cm = { index: configMaps.length, binaryData: {}, size: 0 };
        configMaps.push(cm);
      }
      const piece = gz.subarray(at, at + (chunk - cm.size));
      at += piece.length;
      const key = `${f.name}.gz.${String(part).padStart(3, '0')}`;
      cm.binaryData[key] = piece.toString('base64');
      cm.size += piece.length;
      paths.push(`${mounts.bundle}/${pad(cm.index)}/${key}`);
    }
    pieces.set(f.name, paths);
  }
  const unpackScript = [
    'set -e',
    ...o.files.map(
      (f) =>
        `cat ${(pieces.get(f.name) as string[]).map(quote).join(' ')} | gunzip > ${quote(`${mounts.unpacked}/${f.name}`)}`,
    ),
  ].join('\n');

  const cmName = (i: number): string => `${o.name}-bundle-${pad(i)}`;
  const meta = (name: string): Record<string, unknown> => ({
    name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    labels: { 'app.kubernetes.io/part-of': 'cartload', 'cartload/run': o.name },
  });
  const objects: Record<string, unknown>[] = configMaps.map((cm) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(cmName(cm.index)),
    binaryData: cm.binaryData,
  }));

  const podName = { name: 'RUN_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };
  const env = (withResults: boolean): Record<string, unknown>[] => [
    ...Object.entries(o.vars).map(([name, value]) => ({ name, value })),
    { name: 'TALON_API_KEY', valueFrom: { secretKeyRef: { name: o.secret.name, key: o.secret.key } } },
    { name: 'SESSION_PREFIX', value: o.sessionPrefix },
    // One results folder per runner, named by its pod, made by an init container (k6 cannot).
    ...(withResults
      ? [
          podName,
          { name: 'RUN_DIR', value: `${mounts.results}/$(RUN_ID)` },
          // k6's metric stream beside the summaries (K6_OUT is --out; Kubernetes expands $(RUN_DIR)),
          // with millisecond timestamps: `cartload merge` converts it and merges the runners exactly.
          { name: 'K6_OUT', value: `csv=$(RUN_DIR)/${K6_METRICS_FILE}` },
          { name: 'K6_CSV_TIME_FORMAT', value: 'unix_milli' },
        ]
      : []),
  ];
  const tools = o.toolsImage ?? 'busybox:1.36';
  const bundleVolumes = configMaps.map((cm) => ({
    name: `bundle-${pad(cm.index)}`,
    configMap: { name: cmName(cm.index) },
  }));
  const bundleMounts = configMaps.map((cm) => ({
    name: `bundle-${pad(cm.index)}`,
    mountPath: `${mounts.bundle}/${pad(cm.index)}`,
    readOnly: true,
  }));
  const unpacked = { name: 'cartload', mountPath: mounts.unpacked };
  const unpack = {
    name: 'unpack-bundle',
    image: tools,
    command: ['sh', '-c', unpackScript],
    volumeMounts: [...bundleMounts, unpacked],
  };
  const pod = (withResults: boolean): Record<string, unknown> => ({
    ...(o.image ? { image: o.image } : {}),
    env: env(withResults),
    initContainers: [
      unpack,
      // k6 does not create the run folder: make <results>/<pod name> first.
      ...(withResults
        ? [
            {
              name: 'results-dir',
              image: tools,
              command: ['sh', '-c', `mkdir -p "${mounts.results}/$RUN_ID"`],
              env: [podName],
              volumeMounts: [{ name: 'results', mountPath: mounts.results }],
            },
          ]
        : []),
    ],
    volumes: [
      ...bundleVolumes,
      { name: 'cartload', emptyDir: {} },
      ...(withResults ? [{ name: 'results', persistentVolumeClaim: { claimName: o.resultsClaim } }] : []),
    ],
    volumeMounts: [unpacked, ...(withResults ? [{ name: 'results', mountPath: mounts.results }] : [])],
  });
  objects.push({
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: meta(o.name),
    spec: {
      parallelism: o.parallelism,
      ...(o.separate ? { separate: true } : {}),
      script: { localFile: `${mounts.unpacked}/${o.script}` },
      // Delete the runner pods when the test ends (the results stay on the volume).
      cleanup: 'post',
      initializer: pod(false),
      runner: {
        ...pod(o.resultsClaim !== undefined),
        resources: { requests: { cpu: '1', memory: '512Mi' }, limits: { memory: '1Gi' } },
      },
    },
  });
  const yaml = objects.map((obj) => `---\n${stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
  return { objects, yaml, unpackScript };
}

/** What one ConfigMap counts against Kubernetes' limit: its data and binaryData, in bytes. */
export function configMapBytes(cm: { data?: Record<string, string>; binaryData?: Record<string, string> }): number {
  let n = 0;
  for (const v of Object.values(cm.data ?? {})) n += Buffer.byteLength(v);
  for (const v of Object.values(cm.binaryData ?? {})) n += Buffer.from(v, 'base64').length;
  return n;
}
