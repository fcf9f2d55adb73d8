// Timestamps as recordings write them. Talon.One's exports use ISO 8601 or, with dateFormat=excel,
// a spreadsheet-friendly form that its documentation does not spell out; we accept both forms a
// spreadsheet produces (a serial day number, and "YYYY-MM-DD HH:MM:SS") and say so in the README.

// Fractions beyond ms are kept as a fraction of a ms, so µs-precise access logs order correctly.
const STAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const SERIAL = /^\d{1,6}(?:\.\d+)?$/;
/** Day 25569 of Excel's 1900 date system is 1970-01-01. */
const EXCEL_EPOCH_DAYS = 25569;
const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Epoch ms of an RFC 3339 / ISO 8601 timestamp (`T` or a space between date and time; a missing
 * zone means UTC), or undefined when the text is not one.
 */
export function parseIsoTime(text: string): number | undefined {
  const m = STAMP.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  const fraction = m[7];
  if (fraction !== undefined) ms += Number(`0.${fraction}`) * 1000;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    ms -= sign * offsetMin * 60_000;
  }
  return ms;
}

/** Epoch ms of an ISO 8601 timestamp or an Excel serial day number (1900 system, UTC). */
export function parseExportTime(text: string): number | undefined {
  const t = text.trim();
  if (SERIAL.test(t)) {
    const days = Number(t);
    // Serial 61 is 1900-03-01; smaller serials live in Excel's fictitious 29 Feb 1900 era.
    return days < 61 ? undefined : Math.round((days - EXCEL_EPOCH_DAYS) * DAY_MS);
  }
  return parseIsoTime(t);
}

/** 0001-01-01T00:00:00Z: Go's zero time, which Go services print for an unset timestamp. */
const GO_ZERO_TIME = -62_135_596_800_000;

/** True for Go's zero time (within a day, whatever zone it was printed in): an unset timestamp. */
export function isZeroTime(ms: number): boolean {
  return ms < GO_ZERO_TIME + DAY_MS;
}

/** RFC 3339 in UTC with ms, as the request log writes it. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}
