// ISO 8601 / xsd:dateTime <-> POSIX seconds (or microseconds) in bigint arithmetic, so every signed
// 64-bit TTLV value round-trips, far beyond the JS Date range. Proleptic Gregorian calendar with
// astronomical year numbering (year 0000 = 1 BC, as XSD 1.1), years of 4 or more digits.

const DAY = 86_400n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** Days since 1970-01-01 -> civil date (H. Hinnant's algorithm). */
function civilFromDays(days: bigint): [bigint, number, number] {
  const z = days + 719_468n;
  const era = floorDiv(z, 146_097n);
  const doe = z - era * 146_097n;
  const yoe = (doe - doe / 1460n + doe / 36_524n - doe / 146_096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = Number(doy - (153n * mp + 2n) / 5n + 1n);
  const m = Number(mp < 10n ? mp + 3n : mp - 9n);
  return [yoe + era * 400n + (m <= 2 ? 1n : 0n), m, d];
}

function daysFromCivil(year: bigint, m: number, d: number): bigint {
  const y = m <= 2 ? year - 1n : year;
  const era = floorDiv(y, 400n);
  const yoe = y - era * 400n;
  const doy = BigInt(Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1);
  const doe = yoe * 365n + yoe / 4n - yoe / 100n + doy;
  return era * 146_097n + doe - 719_468n;
}

const isLeap = (y: bigint) => (y % 4n === 0n && y % 100n !== 0n) || y % 400n === 0n;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');

/** `2001-01-01T10:00:00+00:00` (DateTime) or, with `fractionDigits` 6, `...:00.000123+00:00`. */
export function formatIsoSeconds(seconds: bigint, micros?: number): string {
  const days = floorDiv(seconds, DAY);
  const sod = Number(seconds - days * DAY);
  const [y, m, d] = civilFromDays(days);
  const year = y < 0n ? '-' + pad(-y, 4) : pad(y, 4);
  const time = `${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor(sod / 60) % 60, 2)}:${pad(sod % 60, 2)}`;
  const frac = micros === undefined ? '' : '.' + pad(micros, 6);
  return `${year}-${pad(m, 2)}-${pad(d, 2)}T${time}${frac}+00:00`;
}

export const formatDateTime = (seconds: bigint) => formatIsoSeconds(seconds);

export function formatDateTimeExtended(micros: bigint): string {
  const seconds = floorDiv(micros, 1_000_000n);
  return formatIsoSeconds(seconds, Number(micros - seconds * 1_000_000n));
}

const ISO = /^([+-]?)(\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses an xsd:dateTime. Returns [seconds, microseconds within the second] or a reason string.
 * No time zone means UTC. Fraction digits past the sixth are truncated. A `+` before the year (ISO 8601
 * expanded years, as Date.prototype.toISOString writes past 9999) is accepted.
 */
export function parseIso(text: string): [bigint, number] | string {
  const m = ISO.exec(text);
  if (!m) return 'not an ISO 8601 date-time (yyyy-mm-ddThh:mm:ss[.s][Z|+hh:mm])';
  const [, sign, ys, mos, ds, hs, mis, ss, frac, tz] = m;
  const year = BigInt(sign + ys);
  const month = Number(mos);
  const day = Number(ds);
  const h = Number(hs);
  const mi = Number(mis);
  const s = Number(ss);
  if (month < 1 || month > 12) return 'month out of range';
  const dim = month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1];
  if (day < 1 || day > dim) return 'day out of range';
  if (h > 23 || mi > 59 || s > 59) return 'time of day out of range';
  let offset = 0;
  if (tz && tz !== 'Z') {
    const oh = Number(tz.slice(1, 3));
    const om = Number(tz.slice(4, 6));
    if (oh > 14 || om > 59 || (oh === 14 && om > 0)) return 'time zone offset out of range';
    offset = (oh * 3600 + om * 60) * (tz[0] === '-' ? -1 : 1);
  }
  const seconds = daysFromCivil(year, month, day) * DAY + BigInt(h * 3600 + mi * 60 + s - offset);
  const micros = frac ? Number(frac.slice(0, 6).padEnd(6, '0')) : 0;
  return [seconds, micros];
}

/** DateTime: seconds, fraction dropped (the spec says to truncate). */
export function parseDateTime(text: string): bigint | string {
  const r = parseIso(text);
  if (typeof r === 'string') return r;
  return r[0] < INT64_MIN || r[0] > INT64_MAX ? 'outside the signed 64-bit range' : r[0];
}

export function parseDateTimeExtended(text: string): bigint | string {
  const r = parseIso(text);
  if (typeof r === 'string') return r;
  const v = r[0] * 1_000_000n + BigInt(r[1]);
  return v < INT64_MIN || v > INT64_MAX ? 'outside the signed 64-bit range' : v;
}
