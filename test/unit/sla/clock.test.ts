import assert from 'node:assert/strict';
import { DEFAULT_WORK_CALENDAR, timeZoneOf, WorkCalendar } from '../../../src/features/sla/calendar.js';
import {
  ALERT, DEFAULT_SLA, dueAlerts, replay, standing, start, targetsFor, transition, type ClockColumns, type Targets,
} from '../../../src/features/sla/clock.js';

// Paris is UTC+1 in winter: "2026-12-07 10:00" Paris is 09:00Z. Opening hours 08:00–12:00, 13:30–17:30.
const paris = (local: string) => {
  const d = new Date(`${local.replace(' ', 'T')}:00Z`);
  const summer = d.getUTCMonth() >= 3 && d.getUTCMonth() <= 9;
  return new Date(d.getTime() - (summer ? 2 : 1) * 3600_000);
};
const H = 3600;
const cal = new WorkCalendar(DEFAULT_WORK_CALENDAR);
const normale = targetsFor(DEFAULT_SLA, 3, null); // 1 jour ouvré / 3 jours ouvrés
const critique = targetsFor(DEFAULT_SLA, 1, null); // 1 h / 4 h

/** The clocks through a list of [status, Paris time] steps, the first being the creation. */
function through(steps: Array<[string, string]>, targets: Targets = normale): ClockColumns {
  return replay(steps.map(([to, at], i) => ({ from: i === 0 ? null : steps[i - 1][0], to, at: paris(at), targets })), cal)!;
}

describe('working calendar', () => {
  it('when time spans a lunch break, a night and a weekend, should count only the opening hours', () => {
    // Friday 16:00 → Monday 09:00: 1 h 30 on Friday, 1 h on Monday.
    assert.equal(cal.workingSeconds(paris('2026-12-04 16:00'), paris('2026-12-07 09:00')), 2.5 * H);
    assert.equal(cal.workingSeconds(paris('2026-12-07 11:00'), paris('2026-12-07 14:00')), 1.5 * H);
  });

  it('when a public holiday or an academy closing day falls in the span, should skip it', () => {
    // Friday 25 December 2026 is Christmas: Thursday 17:00 → Monday 09:00 is 30 min + 1 h.
    assert.equal(cal.workingSeconds(paris('2026-12-24 17:00'), paris('2026-12-28 09:00')), 1.5 * H);
    const closing = new WorkCalendar({ ...DEFAULT_WORK_CALENDAR, closed_days: ['2026-12-28'] });
    assert.equal(closing.workingSeconds(paris('2026-12-24 17:00'), paris('2026-12-29 09:00')), 1.5 * H);
  });

  it('when a regional calendar is chosen, should close on its own holidays (Moselle: Good Friday)', () => {
    const moselle = new WorkCalendar({ ...DEFAULT_WORK_CALENDAR, holiday_region: '57' });
    // Good Friday 26 March 2027: closed in Moselle, open elsewhere.
    assert.equal(moselle.workingSeconds(paris('2027-03-26 08:00'), paris('2027-03-26 18:00')), 0);
    assert.equal(cal.workingSeconds(paris('2027-03-26 08:00'), paris('2027-03-26 18:00')), 8 * H);
  });

  it('when the clocks change to summer time, should still open at 08:00 local time', () => {
    // Sunday 29 March 2026: Monday 30 opens at 08:00 Paris = 06:00Z (in 2027 that Monday is Easter Monday, closed).
    const monday = cal.addWorkingSeconds(paris('2026-03-27 17:30'), 60);
    assert.equal(monday?.toISOString(), '2026-03-30T06:01:00.000Z');
    assert.equal(cal.addWorkingSeconds(paris('2027-03-26 17:30'), 60)?.toISOString(), '2027-03-30T06:01:00.000Z');
  });

  it('when adding working time, should land after the breaks, and before `from` for a negative time', () => {
    assert.equal(cal.addWorkingSeconds(paris('2026-12-07 11:00'), 2 * H)?.getTime(), paris('2026-12-07 14:30').getTime());
    assert.equal(cal.addWorkingSeconds(paris('2026-12-07 14:30'), -2 * H)?.getTime(), paris('2026-12-07 11:00').getTime());
  });

  it('when the academy is overseas, should open at 08:00 in its own time zone and close on its own holidays', () => {
    const reunion = new WorkCalendar({ ...DEFAULT_WORK_CALENDAR, holiday_region: 'RE', time_zone: timeZoneOf('RE') });
    // Monday 7 December 2026, 08:00 in La Réunion (UTC+4) is 04:00Z.
    assert.equal(reunion.addWorkingSeconds(new Date('2026-12-07T00:00:00Z'), 60)?.toISOString(), '2026-12-07T04:01:00.000Z');
    // 20 December: abolition of slavery, a public holiday there only.
    assert.equal(reunion.workingSeconds(new Date('2027-12-20T00:00:00Z'), new Date('2027-12-21T00:00:00Z')), 0);
    assert.equal(cal.workingSeconds(paris('2027-12-20 08:00'), paris('2027-12-20 18:00')), 8 * H);
  });

  it('when the calendar never opens, should give no deadline rather than loop', () => {
    const closed = new WorkCalendar({ ...DEFAULT_WORK_CALENDAR, hours: { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] } });
    assert.equal(closed.addWorkingSeconds(new Date(), 60), null);
  });
});

describe('service-level clocks', () => {
  it('when a ticket is taken in charge, should stop TTO with its verdict and keep TTR running', () => {
    const c = through([['affectee', '2026-12-07 10:00'], ['assignee', '2026-12-08 10:00']]);
    assert.equal(c.sla_tto_s, 8 * H); // Monday 10–12, 13:30–17:30, Tuesday 8–10
    assert.equal(c.sla_tto_met, true);
    assert.equal(c.sla_tto_due_at, null);
    assert.equal(c.sla_ttr_s, 8 * H);
    // 16 h of TTR left from Tuesday 10:00: Thursday 10:00.
    assert.equal(c.sla_ttr_due_at, paris('2026-12-10 10:00').toISOString());
    assert.equal(c.sla_due_at, c.sla_ttr_due_at);
  });

  it('when TTO is taken past its target, should record it missed', () => {
    const c = through([['affectee', '2026-12-07 10:00'], ['assignee', '2026-12-08 10:01']]);
    assert.equal(c.sla_tto_met, false);
  });

  it('when the ticket waits for the requester ("À compléter") or a third party ("En attente"), should not count that time (GLPI #24481)', () => {
    const c = through([
      ['affectee', '2026-12-07 08:00'], ['assignee', '2026-12-07 09:00'], ['a_completer', '2026-12-07 10:00'],
      ['assignee', '2026-12-09 10:00'], ['en_attente', '2026-12-09 11:00'], ['assignee', '2026-12-10 11:00'],
    ]);
    assert.equal(c.sla_ttr_s, 3 * H);
    const paused = through([['affectee', '2026-12-07 08:00'], ['assignee', '2026-12-07 09:00'], ['a_completer', '2026-12-07 10:00']]);
    assert.equal(paused.sla_since, null);
    assert.equal(paused.sla_due_at, null);
    assert.equal(paused.sla_next_alert_at, null);
    // Weeks later it is still not late, and no alert is due.
    assert.equal(dueAlerts(paused, 'a_completer', paris('2027-01-20 10:00'), cal), 0);
    assert.equal(standing(paused, 'a_completer', paris('2027-01-20 10:00'), cal)?.ttr.used, 2 * H);
  });

  it('when the priority changes, should move the deadline from the time already counted, not from the opening', () => {
    const before = through([['affectee', '2026-12-07 08:00'], ['assignee', '2026-12-07 09:00']]);
    // At 11:00, 3 h counted; Critique allows 4 h: due at 13:30 + 0 → 12:00 is 4 h, so 12:00.
    const after = transition(before, 'assignee', 'assignee', paris('2026-12-07 11:00'), critique, cal);
    assert.equal(after.sla_ttr_s, 3 * H);
    assert.equal(after.sla_ttr_target_s, 4 * H);
    assert.equal(after.sla_ttr_due_at, paris('2026-12-07 12:00').toISOString());
    assert.equal(after.sla_tto_met, true, 'a stopped clock keeps the verdict recorded when it stopped');
  });

  it('when the ticket is dispatched to another team, should keep counting from where the clocks stood (GLPI #1911)', () => {
    const c = through([['affectee', '2026-12-07 08:00'], ['assignee', '2026-12-07 09:00'], ['reaffectee', '2026-12-07 10:00']]);
    assert.equal(c.sla_ttr_s, 2 * H);
    assert.equal(c.sla_tto_met, true, 'TTO was met once: a dispatch does not reopen it');
    assert.equal(c.sla_tto_due_at, null);
    // 22 h of TTR left from Monday 10:00: 6 h on Monday, 8 on Tuesday, 8 on Wednesday.
    assert.equal(c.sla_ttr_due_at, paris('2026-12-09 17:30').toISOString());
  });

  it('when the targets change while the ticket waits, should keep the time counted before the pause (GLPI #15605)', () => {
    const paused = through([['affectee', '2026-12-07 08:00'], ['assignee', '2026-12-07 09:00'], ['en_attente', '2026-12-07 11:00']]);
    const retargeted = transition(paused, 'en_attente', 'en_attente', paris('2026-12-08 09:00'), critique, cal);
    assert.equal(retargeted.sla_ttr_s, 3 * H);
    const resumed = transition(retargeted, 'en_attente', 'assignee', paris('2026-12-09 09:00'), critique, cal);
    assert.equal(resumed.sla_ttr_s, 3 * H);
    assert.equal(resumed.sla_ttr_due_at, paris('2026-12-09 10:00').toISOString());
  });

  it('when a resolved ticket\'s priority changes afterwards, should keep the verdict recorded at the resolution', () => {
    const resolved = through([['affectee', '2026-12-07 08:00'], ['assignee', '2026-12-07 08:30'], ['resolue', '2026-12-07 14:00']], critique); // 4 h 30 of 4 h: missed
    assert.equal(resolved.sla_ttr_met, false);
    const relabelled = transition(resolved, 'resolue', 'resolue', paris('2026-12-08 10:00'), normale, cal);
    assert.equal(relabelled.sla_ttr_met, false, 'lowering the priority later does not turn it into "respecté"');
  });

  it('when resolved, should stop TTR with its verdict; refused, should run again from there', () => {
    const resolved = through([['affectee', '2026-12-07 08:00'], ['assignee', '2026-12-07 09:00'], ['resolue', '2026-12-07 10:00']]);
    assert.equal(resolved.sla_ttr_met, true);
    assert.equal(resolved.sla_ttr_s, 2 * H);
    assert.equal(resolved.sla_since, null);
    const refused = transition(resolved, 'resolue', 'assignee', paris('2026-12-14 10:00'), normale, cal);
    assert.equal(refused.sla_ttr_met, null);
    assert.equal(refused.sla_ttr_s, 2 * H, 'the week spent "Résolue" is not counted');
    const closed = transition(transition(refused, 'assignee', 'resolue', paris('2026-12-14 11:00'), normale, cal), 'resolue', 'fermee', paris('2026-12-20 10:00'), normale, cal);
    assert.equal(closed.sla_ttr_s, 3 * H);
    assert.equal(closed.sla_ttr_met, true);
    assert.equal(closed.sla_tto_met, true);
  });

  it('when a clock passes 75 % then 100 % of its target, should be due each alert once, TTO ones only while queued (GLPI #2765)', () => {
    const created = start('affectee', paris('2026-12-07 08:00'), critique, cal);
    assert.equal(created.sla_next_alert_at, paris('2026-12-07 08:45').toISOString());
    assert.equal(dueAlerts(created, 'affectee', paris('2026-12-07 08:44'), cal), 0);
    assert.equal(dueAlerts(created, 'affectee', paris('2026-12-07 08:45'), cal), ALERT.tto75);
    const warned = { ...created, sla_alerts: ALERT.tto75 };
    assert.equal(dueAlerts(warned, 'affectee', paris('2026-12-07 08:50'), cal), 0, 'once');
    assert.equal(dueAlerts(warned, 'affectee', paris('2026-12-07 09:00'), cal), ALERT.tto100);
    // Taken in charge at 08:50: no TTO alert ever again, TTR's at 75 % of 4 h (11:00).
    const taken = transition(warned, 'affectee', 'assignee', paris('2026-12-07 08:50'), critique, cal);
    assert.equal(dueAlerts(taken, 'assignee', paris('2026-12-07 10:59'), cal), 0);
    assert.equal(dueAlerts(taken, 'assignee', paris('2026-12-07 11:00'), cal), ALERT.ttr75);
    assert.equal(taken.sla_next_alert_at, paris('2026-12-07 11:00').toISOString());
    // Resolved at 10:00: nothing is due, whatever the time.
    const resolved = transition(taken, 'assignee', 'resolue', paris('2026-12-07 10:00'), critique, cal);
    assert.equal(resolved.sla_next_alert_at, null);
    assert.equal(dueAlerts(resolved, 'resolue', paris('2026-12-08 10:00'), cal), 0);
  });

  it('when a page asks where the clocks stand, should tell time left, the 75 % mark and lateness', () => {
    const c = start('affectee', paris('2026-12-07 08:00'), critique, cal);
    const at = standing(c, 'affectee', paris('2026-12-07 08:50'), cal)!;
    assert.equal(at.tto.left, 10 * 60);
    assert.equal(at.tto.warn, true);
    assert.equal(at.tto.late, false);
    const later = standing(c, 'affectee', paris('2026-12-07 09:30'), cal)!;
    assert.equal(later.tto.late, true);
    assert.equal(later.tto.left, -30 * 60);
  });

  it('when targets are set for a service, should use them for its tickets and the default ones elsewhere', () => {
    const sla = { ...DEFAULT_SLA, services: { 12: { 3: { tto: 30, ttr: 120 } } } };
    assert.deepEqual(targetsFor(sla, 3, 12), { tto_s: 30 * 60, ttr_s: 120 * 60 });
    assert.deepEqual(targetsFor(sla, 3, 13), normale);
    assert.deepEqual(targetsFor(sla, 2, 12), targetsFor(DEFAULT_SLA, 2, null), 'a priority the service leaves out keeps the default');
  });
});
