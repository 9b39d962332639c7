import assert from 'node:assert/strict';
import { CatalogueSnapshot, type StoredCatalogue } from '../../../src/features/catalogue/catalogue-snapshot.js';

/** Two domains at the same position; the second one's group is inactive. */
function stored(): StoredCatalogue {
  const node = (id: number, name: string, position: number, parentId?: number, active = 1) => ({ id, name, position, parentId, active });
  const sub = (id: number, name: string, position: number, parentId: number, types = 'ecole,college', active = 1) => ({
    ...node(id, name, position, parentId, active), parentId, teamId: null, types, acceptsIncident: 1, acceptsRequest: 0,
  });
  return {
    version: 7,
    domains: [node(1, 'Écoles', 0), node(2, 'EPLE', 0)],
    groups: [node(10, 'Applications', 1, 1), node(20, 'Réseau', 0, 2, 0)],
    families: [node(100, 'Élèves', 0, 10), node(200, 'Wifi', 0, 20)],
    services: [node(1000, 'ONDE', 2, 100), node(1001, 'Admin', 2, 100), node(2000, 'Borne', 0, 200)],
    subcategories: [
      sub(5, 'Accès', 1, 1000), sub(6, 'Anomalie', 0, 1000), sub(7, 'Évolution', 0, 1001, 'college'),
      sub(8, 'Panne', 0, 2000), sub(9, 'Orpheline', 0, 9999), sub(11, 'Fermée', 3, 1000, 'ecole', 0),
    ],
  };
}

describe('catalogue kept in memory', () => {
  const catalogue = new CatalogueSnapshot(stored());

  it('when searching, should list matches in catalogue order, parents first, and hide what is inactive, orphaned or offered to other establishments', () => {
    const all = catalogue.search(new Set([5, 6, 7, 8, 9, 11]), ['ecole'], 20, 0);
    assert.deepEqual(all.rows.map((r) => r.subcategoryId), [6, 5]);
    assert.equal(all.total, 2);
    const college = catalogue.search(new Set([5, 6, 7, 8]), ['college'], 20, 0);
    // ONDE and Admin share a position: ONDE (the lower id) comes first, with its own sub-categories together.
    assert.deepEqual(college.rows.map((r) => r.subcategoryId), [6, 5, 7]);
  });

  it('when paging a search, should count all matches and return one page', () => {
    const page = catalogue.search(new Set([5, 6, 7]), ['college'], 1, 1);
    assert.equal(page.total, 3);
    assert.deepEqual(page.rows.map((r) => r.subcategoryId), [5]);
    assert.deepEqual(Object.keys(page.rows[0]).sort(), ['acceptsIncident', 'acceptsRequest', 'domain', 'family', 'group', 'service', 'subcategory', 'subcategoryId']);
  });

  it('when browsing, should offer only nodes with a visible sub-category below, by position then name', () => {
    assert.deepEqual(catalogue.children(null, null, ['ecole', 'college']), [{ id: 1, name: 'Écoles' }]);
    assert.deepEqual(catalogue.children('family', 100, ['college']), [{ id: 1001, name: 'Admin' }, { id: 1000, name: 'ONDE' }]);
    assert.deepEqual(catalogue.children('family', 100, ['ecole']), [{ id: 1000, name: 'ONDE' }]);
    assert.deepEqual(catalogue.subcategoriesOfService(1000, ['ecole']).map((r) => r.subcategory), ['Anomalie', 'Accès']);
  });

  it('when asked for a path, should give it whatever its state, as a copy the caller cannot spoil', () => {
    const closed = catalogue.subcategoryPath(11);
    assert.equal(closed?.active, false);
    assert.deepEqual([closed?.domainId, closed?.groupId, closed?.familyId, closed?.serviceId], [1, 10, 100, 1000]);
    assert.equal(catalogue.subcategoryPath(8)?.active, false, 'an inactive group closes what is below');
    assert.equal(catalogue.subcategoryPath(9), undefined, 'no path without a service');
    catalogue.subcategoryPath(5)!.establishmentTypes.push('lycee');
    assert.deepEqual(catalogue.subcategoryPath(5)?.establishmentTypes, ['ecole', 'college']);
    assert.deepEqual(catalogue.node('group', 20), { id: 20, name: 'Réseau', parentId: 2, active: false });
  });
});
