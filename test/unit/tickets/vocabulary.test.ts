import assert from 'node:assert/strict';
import { computePriority, DEFAULT_PRIORITY_MATRIX, IMPACTS, PRIORITY_LABELS, URGENCIES } from '../../../src/features/tickets/vocabulary.js';

describe('priority matrix (iTop default)', () => {
  const expected: Record<string, string[]> = {
    // Critique, Haute, Moyenne, Basse
    etablissement: ['Critique', 'Critique', 'Haute', 'Basse'],
    plusieurs: ['Critique', 'Haute', 'Normale', 'Basse'],
    personne: ['Haute', 'Normale', 'Normale', 'Basse'],
  };
  for (const impact of IMPACTS) {
    (['critique', 'haute', 'moyenne', 'basse'] as const).forEach((urgency, i) => {
      it(`when impact is ${impact} and urgency ${urgency}, should give ${expected[impact][i]}`, () => {
        assert.equal(PRIORITY_LABELS[computePriority(DEFAULT_PRIORITY_MATRIX, impact, urgency)], expected[impact][i]);
      });
    });
  }
  it('when seed 003 files "Une personne / Moyenne", should give Normale', () => {
    assert.equal(PRIORITY_LABELS[computePriority(DEFAULT_PRIORITY_MATRIX, 'personne', 'moyenne')], 'Normale');
  });
  it('covers every urgency', () => assert.equal(URGENCIES.length, 4));
});
