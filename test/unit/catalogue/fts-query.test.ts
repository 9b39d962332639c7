import assert from 'node:assert/strict';
import { searchWords } from '../../../src/db/dialect.js';

describe('keyword search parser', () => {
  it('when given words, should keep each word', () => {
    assert.deepEqual(searchWords('OTP webmail'), ['OTP', 'webmail']);
  });
  it('when given full-text syntax, should keep only the words', () => {
    assert.deepEqual(searchWords('domain:"x" OR NEAR(a b) * & !c:* <-> d|e'), ['domain', 'x', 'OR', 'NEAR', 'a', 'b', 'c', 'd', 'e']);
  });
  it('when given only punctuation, should have nothing to search', () => {
    assert.deepEqual(searchWords(` '"*()-:^&|!<> `), []);
  });
  it('when given accents, should keep them for the index to fold', () => {
    assert.deepEqual(searchWords('Accès'), ['Accès']);
  });
});
