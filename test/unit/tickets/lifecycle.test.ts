import assert from 'node:assert/strict';
import { allowedActions, can, nextStatus, refusal, type Action, type Actor } from '../../../src/features/tickets/lifecycle.js';
import { STATUSES } from '../../../src/features/tickets/vocabulary.js';
import { A, EXPECTED, R, S, T } from '../../helpers/lifecycle-expected.js';

const ACTORS: Actor[] = [A, T, R, S];

describe('ticket lifecycle table', () => {
  for (const action of Object.keys(EXPECTED) as Action[]) {
    it(`when "${action}" is tried in every status by every actor, should allow exactly the expected ones`, () => {
      for (const status of STATUSES) {
        for (const actor of ACTORS) {
          const expected = EXPECTED[action][`${status}:${actor}`];
          assert.equal(can(action, status, [actor]), expected !== undefined, `${action} ${status} by ${actor}`);
          if (expected) assert.equal(nextStatus(action, status, [actor]), expected === '=' ? status : expected, `${action} ${status} by ${actor} → ${expected}`);
        }
      }
    });
  }

  it('when the status forbids an action for everyone, should say "status" (409); when only the person is wrong, "actor" (403)', () => {
    assert.equal(refusal('resolve', 'fermee', [T]), 'status');
    assert.equal(refusal('resolve', 'assignee', [T]), 'actor');
    assert.equal(refusal('resolve', 'assignee', [A]), null);
  });

  it('when a closed ticket is shown, should offer agents nothing and the requester only "Refus"', () => {
    assert.deepEqual(allowedActions('fermee', [A, T]), []);
    assert.deepEqual(allowedActions('fermee', [R]), ['refuse']);
  });
});
