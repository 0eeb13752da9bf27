/** How numbers are written for people, the same in every host. */

/** A count as people read it: 38,952 (no locale data to load: the first toLocaleString() costs tens of milliseconds). */
export function formatCount(n: number): string {
  const s = String(Math.trunc(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}
