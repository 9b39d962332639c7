import assert from 'node:assert/strict';
import { toFtsQuery } from '../../../src/features/catalogue/catalogue-index.js';

describe('keyword search parser', () => {
  it('when given words, should make each a quoted prefix term', () => {
    assert.equal(toFtsQuery('OTP webmail'), '"OTP"* "webmail"*');
  });
  it('when given FTS syntax, should keep only the words', () => {
    assert.equal(toFtsQuery('domain:"x" OR NEAR(a b) *'), '"domain"* "x"* "OR"* "NEAR"* "a"* "b"*');
  });
  it('when given only punctuation, should have nothing to search', () => {
    assert.equal(toFtsQuery(` '"*()-:^ `), null);
  });
  it('when given accents, should keep them for the index to fold', () => {
    assert.equal(toFtsQuery('Accès'), '"Accès"*');
  });
});
