import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dateTime } from '../../../src/http/format.js';

/** The slow reference: Intl's own parts for Europe/Paris. */
const intl = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});
function reference(d: Date): string {
  const p = Object.fromEntries(intl.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

describe('dateTime (Paris time of the lists)', () => {
  it('when given any instant from 1971 to 2100, should print what Intl prints for Europe/Paris', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const d = new Date(ms);
        assert.equal(dateTime(d.toISOString()), reference(d));
      }),
      { numRuns: 20_000 },
    );
  });

  it('when given the seconds around the clock changes, should follow them to the second', () => {
    // Last Sunday of March and of October, 01:00 UTC: the hour jumps forward, then back.
    for (const change of [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1), Date.UTC(2027, 2, 28, 1)]) {
      for (let s = -3; s <= 3; s++) {
        const d = new Date(change + s * 1000 - 1);
        assert.equal(dateTime(d), reference(d), d.toISOString());
      }
    }
    assert.equal(dateTime('2026-03-29T00:59:59.999Z'), '2026-03-29 01:59:59');
    assert.equal(dateTime('2026-03-29T01:00:00.000Z'), '2026-03-29 03:00:00');
    assert.equal(dateTime('2026-10-25T00:59:59Z'), '2026-10-25 02:59:59');
    assert.equal(dateTime('2026-10-25T01:00:00Z'), '2026-10-25 02:00:00');
  });

  it('when given nothing or garbage, should print nothing', () => {
    assert.equal(dateTime(null), '');
    assert.equal(dateTime(''), '');
    assert.equal(dateTime('pas une date'), '');
  });
});
