import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../http/errors.js';
import { endSessionsOf } from '../../db/sessions.js';
import { rebuildCatalogueIndex } from '../catalogue/catalogue-index.js';
import { ESTABLISHMENT_TYPES, ROLES } from '../tickets/vocabulary.js';
import { ADMIN_LEVELS, CHILD, LEVEL_TABLE, type AdminLevel } from './catalogue-admin.service.js';
import { audit } from './audit.js';
import { fromCsv, isYesNo, toCsv, yes, yesNo, type CsvLine } from './csv.js';
import { RNE_PATTERN } from './admin.schemas.js';
import { NO_PASSWORD } from '../auth/password.js';

export const CATALOGUE_HEADER = ['niveau', 'domaine', 'groupe', 'famille', 'service', 'sous_categorie', 'ordre', 'actif', 'mots_cles', 'equipe', 'types_etablissement', 'incident', 'demande'];
export const USERS_HEADER = ['identifiant', 'prenom', 'nom', 'courriel', 'telephone', 'fonction', 'etablissements', 'roles', 'equipes', 'actif'];

const LEVEL_WORD: Record<AdminLevel, string> = { domain: 'domaine', group: 'groupe', family: 'famille', service: 'service', subcategory: 'sous-categorie' };
const WORD_LEVEL = Object.fromEntries(Object.entries(LEVEL_WORD).map(([l, w]) => [w, l])) as Record<string, AdminLevel>;
const PATH_COLUMNS = ['domaine', 'groupe', 'famille', 'service', 'sous_categorie'];


export interface ImportPreview {
  token: string | null;
  errors: string[];
  creates: number;
  updates: number;
  unchanged: number;
  lines: number;
}

interface CatalogueRow {
  line: number;
  level: AdminLevel;
  path: string[];
  fields: Record<string, unknown>;
}

interface UserRow {
  line: number;
  identifiant: string;
  fields: { first_name: string; last_name: string; email: string; phone: string; title: string; active: boolean };
  establishmentIds: number[];
  roles: string[];
  teamIds: number[];
}

const key = (path: string[]) => path.map((p) => p.toLowerCase()).join('\u0000');

/** CSV export and import of the catalogue and of the users: import previews, then applies all-or-nothing. */
export class ImportExportService {
  constructor(private readonly deps: { db: Knex; now: () => Date }) {}

  // — Catalogue —

  async exportCatalogue(): Promise<string> {
    const { db } = this.deps;
    const teams = new Map<number, string>((await db('teams').select('id', 'name')).map((t: { id: number; name: string }) => [t.id, t.name]));
    const rows: string[][] = [];
    const walk = async (level: AdminLevel, parentId: number | null, path: string[]) => {
      const q = db(LEVEL_TABLE[level]).orderBy(['position', 'name']);
      if (parentId !== null) q.where({ parent_id: parentId });
      for (const n of await q) {
        const p = [...path, n.name];
        const cells = [LEVEL_WORD[level], ...PATH_COLUMNS.map((_, i) => p[i] ?? ''), String(n.position), yesNo(n.active)];
        if (level === 'subcategory') {
          cells.push(n.keywords, n.team_id ? (teams.get(n.team_id) ?? '') : '', String(n.establishment_types).split(',').join('|'), yesNo(n.accepts_incident), yesNo(n.accepts_request));
        } else cells.push('', '', '', '', '');
        rows.push(cells);
        const child = CHILD[level];
        if (child) await walk(child, n.id, p);
      }
    };
    await walk('domain', null, []);
    return toCsv(CATALOGUE_HEADER, rows);
  }

  private async planCatalogue(content: string): Promise<{ rows: CatalogueRow[]; errors: string[] }> {
    const { db } = this.deps;
    let lines: CsvLine[];
    try {
      lines = fromCsv(content, CATALOGUE_HEADER);
    } catch (err) {
      return { rows: [], errors: [(err as Error).message] };
    }
    const teams = new Map<string, number>((await db('teams').select('id', 'name')).map((t: { id: number; name: string }) => [t.name.toLowerCase(), t.id]));
    const known = new Set((await this.existingCatalogue(db)).keys());
    const errors: string[] = [];
    const rows: CatalogueRow[] = [];
    const seen = new Set<string>();
    for (const { line, cells } of lines) {
      const problems: string[] = [];
      const level = WORD_LEVEL[cells.niveau.toLowerCase()];
      if (!level) {
        errors.push(`Ligne ${line} : niveau « ${cells.niveau} » inconnu (domaine, groupe, famille, service ou sous-categorie).`);
        continue;
      }
      const depth = ADMIN_LEVELS.indexOf(level) + 1;
      const path = PATH_COLUMNS.slice(0, depth).map((c) => cells[c]);
      path.forEach((name, i) => {
        if (!name) problems.push(`colonne ${PATH_COLUMNS[i]} vide`);
        else if (name.length > 150) problems.push(`nom trop long dans ${PATH_COLUMNS[i]} (150 caractères au plus)`);
      });
      const position = cells.ordre === '' ? 0 : Number(cells.ordre);
      if (!Number.isInteger(position) || position < 0 || position > 9999) problems.push(`ordre « ${cells.ordre} » invalide`);
      if (cells.actif !== '' && !isYesNo(cells.actif)) problems.push(`actif « ${cells.actif} » : oui ou non`);
      const fields: Record<string, unknown> = { position, active: cells.actif === '' ? true : yes(cells.actif) };
      if (level === 'subcategory') {
        const teamId = cells.equipe ? teams.get(cells.equipe.toLowerCase()) : null;
        if (cells.equipe && !teamId) problems.push(`équipe « ${cells.equipe} » inconnue`);
        const types = cells.types_etablissement.split('|').map((s) => s.trim()).filter(Boolean);
        if (types.length === 0) problems.push('types_etablissement vide');
        const badTypes = types.filter((t) => !(ESTABLISHMENT_TYPES as readonly string[]).includes(t));
        if (badTypes.length > 0) problems.push(`type d'établissement inconnu : ${badTypes.join(', ')}`);
        for (const c of ['incident', 'demande']) if (!isYesNo(cells[c])) problems.push(`${c} « ${cells[c]} » : oui ou non`);
        if (!yes(cells.incident) && !yes(cells.demande)) problems.push('ni incident ni demande acceptés');
        if (cells.mots_cles.length > 1000) problems.push('mots_cles trop longs (1000 caractères au plus)');
        Object.assign(fields, {
          keywords: cells.mots_cles, team_id: teamId ?? null, establishment_types: types.join(','),
          accepts_incident: yes(cells.incident), accepts_request: yes(cells.demande),
        });
      }
      const k = key(path);
      if (problems.length === 0 && depth > 1 && !seen.has(key(path.slice(0, -1))) && !known.has(key(path.slice(0, -1)))) {
        problems.push(`parent « ${path.slice(0, -1).join(' › ')} » introuvable (il doit exister ou figurer plus haut dans le fichier)`);
      }
      if (seen.has(k)) problems.push(`« ${path.join(' › ')} » figure deux fois`);
      seen.add(k);
      if (problems.length > 0) errors.push(`Ligne ${line} : ${problems.join(' ; ')}.`);
      else rows.push({ line, level, path, fields });
    }
    return { rows, errors };
  }

  /** Every node of the catalogue by its path key, with its stored fields. */
  private async existingCatalogue(db: Knex): Promise<Map<string, { id: number; level: AdminLevel; row: Record<string, unknown> }>> {
    const map = new Map<string, { id: number; level: AdminLevel; row: Record<string, unknown> }>();
    const walk = async (level: AdminLevel, parentId: number | null, path: string[]) => {
      const q = db(LEVEL_TABLE[level]);
      if (parentId !== null) q.where({ parent_id: parentId });
      for (const n of await q) {
        const p = [...path, n.name];
        map.set(key(p), { id: n.id, level, row: n });
        const child = CHILD[level];
        if (child) await walk(child, n.id, p);
      }
    };
    await walk('domain', null, []);
    return map;
  }

  private changed(row: Record<string, unknown>, fields: Record<string, unknown>): boolean {
    return Object.entries(fields).some(([k, v]) => (typeof v === 'boolean' ? !!row[k] !== v : row[k] !== v));
  }

  async previewCatalogue(actorId: number, content: string): Promise<ImportPreview> {
    const { rows, errors } = await this.planCatalogue(content);
    const existing = await this.existingCatalogue(this.deps.db);
    let creates = 0, updates = 0, unchanged = 0;
    for (const r of rows) {
      const e = existing.get(key(r.path));
      if (!e) creates++;
      else if (this.changed(e.row, r.fields)) updates++;
      else unchanged++;
    }
    const token = errors.length === 0 && rows.length > 0 ? await this.stash(actorId, 'catalogue', content) : null;
    return { token, errors, creates, updates, unchanged, lines: rows.length + errors.length };
  }

  async applyCatalogue(actorId: number, token: string): Promise<ImportPreview> {
    const content = await this.unstash(actorId, 'catalogue', token);
    const { rows, errors } = await this.planCatalogue(content);
    if (errors.length > 0) throw new ValidationError({ file: errors.join(' ') });
    let creates = 0, updates = 0, unchanged = 0;
    await this.deps.db.transaction(async (trx) => {
      const existing = await this.existingCatalogue(trx);
      for (const r of rows) {
        const k = key(r.path);
        const e = existing.get(k);
        const name = r.path[r.path.length - 1];
        if (!e) {
          const parent = r.path.length > 1 ? existing.get(key(r.path.slice(0, -1))) : null;
          const row = { name, ...r.fields, ...(parent ? { parent_id: parent.id } : {}) };
          const [{ id }] = await trx(LEVEL_TABLE[r.level]).insert(row).returning('id');
          existing.set(k, { id, level: r.level, row });
          creates++;
        } else if (this.changed(e.row, r.fields)) {
          await trx(LEVEL_TABLE[r.level]).where({ id: e.id }).update(r.fields);
          updates++;
        } else unchanged++;
      }
      await trx('import_batches').where({ token }).delete();
      await audit(trx, { actorId, action: 'import', entity: 'catalogue', entityId: null, after: { creates, updates, unchanged } }, this.deps.now());
      await rebuildCatalogueIndex(trx);
    });
    return { token: null, errors: [], creates, updates, unchanged, lines: rows.length };
  }

  // — Users —

  async exportUsers(): Promise<string> {
    const { db } = this.deps;
    const users = await db('users').orderBy('identifiant');
    const [roles, ests, teams] = await Promise.all([
      db('user_roles').select('user_id', 'role'),
      db('user_establishments as ue').join('establishments as e', 'e.id', 'ue.establishment_id').orderBy(['ue.user_id', 'ue.position']).select('ue.user_id', 'e.rne'),
      db('team_members as m').join('teams as t', 't.id', 'm.team_id').orderBy('t.name').select('m.user_id', 't.name'),
    ]);
    const by = <T extends { user_id: number }>(rows: T[], f: (r: T) => string) => {
      const m = new Map<number, string[]>();
      for (const r of rows) m.set(r.user_id, [...(m.get(r.user_id) ?? []), f(r)]);
      return m;
    };
    const r = by(roles, (x: { role: string }) => x.role), e = by(ests, (x: { rne: string }) => x.rne), t = by(teams, (x: { name: string }) => x.name);
    return toCsv(USERS_HEADER, users.map((u: { id: number; identifiant: string; first_name: string; last_name: string; email: string; phone: string; title: string; active: number }) => [
      u.identifiant, u.first_name, u.last_name, u.email, u.phone, u.title, (e.get(u.id) ?? []).join('|'), (r.get(u.id) ?? []).sort().join('|'), (t.get(u.id) ?? []).join('|'), yesNo(u.active),
    ]));
  }

  private async planUsers(content: string): Promise<{ rows: UserRow[]; errors: string[] }> {
    const { db } = this.deps;
    let lines: CsvLine[];
    try {
      lines = fromCsv(content, USERS_HEADER);
    } catch (err) {
      return { rows: [], errors: [(err as Error).message] };
    }
    const ests = new Map<string, number>((await db('establishments').select('id', 'rne')).map((x: { id: number; rne: string }) => [x.rne, x.id]));
    const teams = new Map<string, number>((await db('teams').select('id', 'name')).map((x: { id: number; name: string }) => [x.name.toLowerCase(), x.id]));
    const errors: string[] = [];
    const rows: UserRow[] = [];
    const seen = new Set<string>();
    const email = z.email();
    for (const { line, cells } of lines) {
      const problems: string[] = [];
      const identifiant = cells.identifiant.toUpperCase();
      if (!/^[A-Z0-9._-]{2,64}$/.test(identifiant)) problems.push(`identifiant « ${cells.identifiant} » invalide`);
      if (seen.has(identifiant)) problems.push(`identifiant ${identifiant} en double`);
      seen.add(identifiant);
      if (!cells.prenom || !cells.nom) problems.push('prénom et nom obligatoires');
      if (cells.courriel && !email.safeParse(cells.courriel).success) problems.push(`courriel « ${cells.courriel} » invalide`);
      const rnes = cells.etablissements.split('|').map((s) => s.trim().toUpperCase()).filter(Boolean);
      const badRne = rnes.filter((x) => !RNE_PATTERN.test(x) || !ests.has(x));
      if (badRne.length > 0) problems.push(`établissement inconnu : ${badRne.join(', ')}`);
      const roles = cells.roles.split('|').map((s) => s.trim().toLowerCase()).filter(Boolean);
      const badRoles = roles.filter((x) => !(ROLES as readonly string[]).includes(x));
      if (badRoles.length > 0) problems.push(`rôle inconnu : ${badRoles.join(', ')}`);
      const teamNames = cells.equipes.split('|').map((s) => s.trim()).filter(Boolean);
      const badTeams = teamNames.filter((x) => !teams.has(x.toLowerCase()));
      if (badTeams.length > 0) problems.push(`équipe inconnue : ${badTeams.join(', ')}`);
      if (teamNames.length > 0 && !roles.includes('agent')) problems.push('seul un agent peut être membre d’une équipe');
      if (cells.actif !== '' && !isYesNo(cells.actif)) problems.push(`actif « ${cells.actif} » : oui ou non`);
      if (problems.length > 0) {
        errors.push(`Ligne ${line} : ${problems.join(' ; ')}.`);
        continue;
      }
      rows.push({
        line,
        identifiant,
        fields: { first_name: cells.prenom, last_name: cells.nom, email: cells.courriel, phone: cells.telephone, title: cells.fonction, active: cells.actif === '' ? true : yes(cells.actif) },
        establishmentIds: rnes.map((x) => ests.get(x)!),
        roles: [...new Set(roles)].sort(),
        teamIds: teamNames.map((x) => teams.get(x.toLowerCase())!).sort((a, b) => a - b),
      });
    }
    return { rows, errors };
  }

  private async userState(db: Knex, id: number) {
    const [roles, ests, teams] = await Promise.all([
      db('user_roles').where({ user_id: id }).orderBy('role').pluck('role'),
      db('user_establishments').where({ user_id: id }).orderBy('position').pluck('establishment_id'),
      db('team_members').where({ user_id: id }).orderBy('team_id').pluck('team_id'),
    ]);
    return JSON.stringify([roles, ests, teams]);
  }

  private async userChanged(db: Knex, existing: Record<string, unknown>, r: UserRow): Promise<boolean> {
    return this.changed(existing, r.fields) || (await this.userState(db, existing.id as number)) !== JSON.stringify([r.roles, r.establishmentIds, r.teamIds]);
  }

  async previewUsers(actorId: number, content: string): Promise<ImportPreview> {
    const { rows, errors } = await this.planUsers(content);
    let creates = 0, updates = 0, unchanged = 0;
    for (const r of rows) {
      const e = await this.deps.db('users').where({ identifiant: r.identifiant }).first();
      if (!e) creates++;
      else if (await this.userChanged(this.deps.db, e, r)) updates++;
      else unchanged++;
    }
    const token = errors.length === 0 && rows.length > 0 ? await this.stash(actorId, 'users', content) : null;
    return { token, errors, creates, updates, unchanged, lines: rows.length + errors.length };
  }

  async applyUsers(actorId: number, token: string): Promise<ImportPreview> {
    const content = await this.unstash(actorId, 'users', token);
    const { rows, errors } = await this.planUsers(content);
    if (errors.length > 0) throw new ValidationError({ file: errors.join(' ') });
    let creates = 0, updates = 0, unchanged = 0;
    const now = this.deps.now().toISOString();
    await this.deps.db.transaction(async (trx) => {
      for (const r of rows) {
        const e = await trx('users').where({ identifiant: r.identifiant }).first();
        let id: number;
        if (!e) {
          [{ id }] = await trx('users').insert({ identifiant: r.identifiant, ...r.fields, password_hash: NO_PASSWORD, created_at: now }).returning('id');
          creates++;
        } else if (await this.userChanged(trx, e, r)) {
          id = e.id;
          await trx('users').where({ id }).update(r.fields);
          updates++;
          if (!r.fields.active) await endSessionsOf(trx, id);
        } else {
          unchanged++;
          continue;
        }
        await trx('user_roles').where({ user_id: id }).delete();
        for (const role of r.roles) await trx('user_roles').insert({ user_id: id, role });
        await trx('user_establishments').where({ user_id: id }).delete();
        for (const [position, establishment_id] of r.establishmentIds.entries()) await trx('user_establishments').insert({ user_id: id, establishment_id, position });
        await trx('team_members').where({ user_id: id }).delete();
        for (const team_id of r.teamIds) await trx('team_members').insert({ team_id, user_id: id });
      }
      await trx('import_batches').where({ token }).delete();
      await audit(trx, { actorId, action: 'import', entity: 'users', entityId: null, after: { creates, updates, unchanged } }, this.deps.now());
    });
    return { token: null, errors: [], creates, updates, unchanged, lines: rows.length };
  }

  // — the file between preview and import —

  private async stash(actorId: number, kind: string, content: string): Promise<string> {
    const token = crypto.randomBytes(24).toString('base64url');
    const now = this.deps.now();
    await this.deps.db('import_batches').where('created_at', '<', new Date(now.getTime() - 86_400_000).toISOString()).delete();
    await this.deps.db('import_batches').insert({ token, kind, content, created_by: actorId, created_at: now.toISOString() });
    return token;
  }

  private async unstash(actorId: number, kind: string, token: string): Promise<string> {
    const row = await this.deps.db('import_batches').where({ token: String(token).slice(0, 64), kind, created_by: actorId }).first('content');
    if (!row) throw new NotFoundError("Cet aperçu n'existe plus : importez le fichier à nouveau.");
    return row.content;
  }
}
