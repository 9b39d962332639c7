import crypto from 'node:crypto';
import { z } from 'zod';
import type { Transactions, Trx } from '../../db/database.js';
import { NotFoundError, ValidationError } from '../../http/errors.js';
import { ESTABLISHMENT_TYPES, ROLES } from '../tickets/vocabulary.js';
import { NO_PASSWORD } from '../auth/password.js';
import type { SessionsRepo } from '../auth/sessions.repo.js';
import type { UsersRepo } from '../auth/users.repo.js';
import { ADMIN_LEVELS, CHILD, type AdminLevel, type CatalogueAdminRepo } from './catalogue-admin.repo.js';
import type { AuditRepo } from './audit.repo.js';
import type { DirectoryRepo } from './directory.repo.js';
import type { ImportBatchesRepo } from './import-batches.repo.js';
import { fromCsv, isYesNo, toCsv, yes, yesNo, type CsvLine } from './csv.js';
import { RNE_PATTERN } from './admin.schemas.js';

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
  constructor(
    private readonly deps: {
      db: Transactions; catalogue: CatalogueAdminRepo; directory: DirectoryRepo; users: UsersRepo; sessions: SessionsRepo;
      batches: ImportBatchesRepo; audit: AuditRepo; now: () => Date;
    },
  ) {}

  /** Teams by id, from their rows. */
  private async teamNames(trx?: Trx): Promise<Map<number, string>> {
    return new Map((await this.deps.catalogue.teams(trx)).map((t) => [t.id, t.name]));
  }

  // — Catalogue —

  async exportCatalogue(): Promise<string> {
    const teams = await this.teamNames();
    const rows: string[][] = [];
    const walk = async (level: AdminLevel, parentId: number | null, path: string[]) => {
      for (const n of await this.deps.catalogue.nodes(level, parentId)) {
        const p = [...path, n.name];
        const cells = [LEVEL_WORD[level], ...PATH_COLUMNS.map((_, i) => p[i] ?? ''), String(n.position), yesNo(n.active)];
        if (level === 'subcategory') {
          cells.push(n.keywords ?? '', n.team_id ? (teams.get(n.team_id) ?? '') : '', String(n.establishment_types).split(',').join('|'), yesNo(!!n.accepts_incident), yesNo(!!n.accepts_request));
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
    let lines: CsvLine[];
    try {
      lines = fromCsv(content, CATALOGUE_HEADER);
    } catch (err) {
      return { rows: [], errors: [(err as Error).message] };
    }
    const teams = new Map([...(await this.teamNames())].map(([id, name]) => [name.toLowerCase(), id]));
    const known = new Set((await this.existingCatalogue()).keys());
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
  private async existingCatalogue(trx?: Trx): Promise<Map<string, { id: number; level: AdminLevel; row: Record<string, unknown> }>> {
    const map = new Map<string, { id: number; level: AdminLevel; row: Record<string, unknown> }>();
    const walk = async (level: AdminLevel, parentId: number | null, path: string[]) => {
      for (const n of await this.deps.catalogue.nodes(level, parentId, trx)) {
        const p = [...path, n.name];
        map.set(key(p), { id: n.id, level, row: n as unknown as Record<string, unknown> });
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
    const existing = await this.existingCatalogue();
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
    const { db, catalogue, batches, audit } = this.deps;
    await db.transaction(async (trx) => {
      const existing = await this.existingCatalogue(trx);
      for (const r of rows) {
        const k = key(r.path);
        const e = existing.get(k);
        const name = r.path[r.path.length - 1];
        if (!e) {
          const parent = r.path.length > 1 ? existing.get(key(r.path.slice(0, -1))) : null;
          const row = { name, ...r.fields, ...(parent ? { parent_id: parent.id } : {}) };
          const id = await catalogue.insert(trx, r.level, row);
          existing.set(k, { id, level: r.level, row });
          creates++;
        } else if (this.changed(e.row, r.fields)) {
          await catalogue.update(trx, r.level, e.id, r.fields);
          updates++;
        } else unchanged++;
      }
      await batches.remove(trx, token);
      await audit.record(trx, { actorId, action: 'import', entity: 'catalogue', entityId: null, after: { creates, updates, unchanged } }, this.deps.now());
      await catalogue.reindex(trx);
    });
    return { token: null, errors: [], creates, updates, unchanged, lines: rows.length };
  }

  // — Users —

  async exportUsers(): Promise<string> {
    const users = await this.deps.directory.usersForExport();
    return toCsv(USERS_HEADER, users.map((u) => [
      u.identifiant, u.first_name, u.last_name, u.email, u.phone, u.title, u.rnes.join('|'), u.roles.join('|'), u.teams.join('|'), yesNo(!!u.active),
    ]));
  }

  private async planUsers(content: string): Promise<{ rows: UserRow[]; errors: string[] }> {
    let lines: CsvLine[];
    try {
      lines = fromCsv(content, USERS_HEADER);
    } catch (err) {
      return { rows: [], errors: [(err as Error).message] };
    }
    const ests = await this.deps.directory.establishmentIdsByRne();
    const teams = new Map([...(await this.teamNames())].map(([id, name]) => [name.toLowerCase(), id]));
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

  private async userChanged(existing: Record<string, unknown>, r: UserRow, trx?: Trx): Promise<boolean> {
    const links = await this.deps.users.links(existing.id as number, trx);
    return this.changed(existing, r.fields) || JSON.stringify([links.roles, links.establishmentIds, links.teamIds]) !== JSON.stringify([r.roles, r.establishmentIds, r.teamIds]);
  }

  async previewUsers(actorId: number, content: string): Promise<ImportPreview> {
    const { rows, errors } = await this.planUsers(content);
    let creates = 0, updates = 0, unchanged = 0;
    for (const r of rows) {
      const e = await this.deps.users.findByIdentifiant(r.identifiant);
      if (!e) creates++;
      else if (await this.userChanged(e as unknown as Record<string, unknown>, r)) updates++;
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
    const { db, users, sessions, batches, audit } = this.deps;
    await db.transaction(async (trx) => {
      for (const r of rows) {
        const e = await users.findByIdentifiant(r.identifiant, trx);
        let id: number;
        if (!e) {
          id = await users.insert(trx, { identifiant: r.identifiant, ...r.fields, password_hash: NO_PASSWORD, created_at: now });
          creates++;
        } else if (await this.userChanged(e as unknown as Record<string, unknown>, r, trx)) {
          id = e.id;
          await users.update(trx, id, r.fields);
          updates++;
          if (!r.fields.active) await sessions.endSessionsOf(trx, id);
        } else {
          unchanged++;
          continue;
        }
        await users.replaceLinks(trx, id, { roles: r.roles, establishmentIds: r.establishmentIds, teamIds: r.teamIds });
      }
      await batches.remove(trx, token);
      await audit.record(trx, { actorId, action: 'import', entity: 'users', entityId: null, after: { creates, updates, unchanged } }, this.deps.now());
    });
    return { token: null, errors: [], creates, updates, unchanged, lines: rows.length };
  }

  // — the file between preview and import —

  private async stash(actorId: number, kind: string, content: string): Promise<string> {
    const token = crypto.randomBytes(24).toString('base64url');
    const now = this.deps.now();
    await this.deps.batches.keep({ token, kind, content, created_by: actorId, created_at: now.toISOString() }, new Date(now.getTime() - 86_400_000));
    return token;
  }

  private async unstash(actorId: number, kind: string, token: string): Promise<string> {
    const content = await this.deps.batches.content(String(token).slice(0, 64), kind, actorId);
    if (content === undefined) throw new NotFoundError("Cet aperçu n'existe plus : importez le fichier à nouveau.");
    return content;
  }
}
