import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { Services } from '../../services.js';
import { ConflictError, NotFoundError, ValidationError } from '../../http/errors.js';
import { setFlash } from '../../http/flash.js';
import { pageLinks, parsePaging } from '../../http/paging.js';
import { uploadedFiles } from '../../http/upload.js';
import { filterText, type FieldErrors } from '../../http/validation.js';
import { submit } from '../../http/submit.js';
import fs from 'node:fs/promises';
import {
  ArticleSchema, EstablishmentSchema, NodeSchema, PortalSettingsSchema, SectionSchema, SettingsSchema, SubcategorySchema, TeamSchema, ToolSchema, UserSchema,
} from './admin.schemas.js';
import { CHILD, LEVEL_LABEL, PARENT, type AdminLevel } from './catalogue-admin.service.js';
import { matrixFromForm } from './portal-admin.service.js';

export const LEVEL_SLUGS: Record<string, AdminLevel> = { domaine: 'domain', groupe: 'group', famille: 'family', service: 'service', 'sous-categorie': 'subcategory' };
export const SLUG_OF: Record<AdminLevel, string> = { domain: 'domaine', group: 'groupe', family: 'famille', service: 'service', subcategory: 'sous-categorie' };

const intParam = (raw: unknown): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new NotFoundError();
  return n;
};
const levelParam = (raw: unknown): AdminLevel => {
  const level = LEVEL_SLUGS[String(raw)];
  if (!level) throw new NotFoundError();
  return level;
};

export function adminHandlers(services: Services) {
  const { catalogueAdmin, directoryAdmin, portalAdmin, knowledge, importExport, audit } = services;
  const render = (res: Response, view: string, title: string, data: Record<string, unknown>, status = 200) =>
    res.status(status).render(`admin/${view}`, { title, portal: 'admin', values: {}, errors: {}, ...data });

  // — Catalogue —

  /** GET /admin/catalogue — the five levels as a tree. */
  const getCatalogue: RequestHandler = async (_req, res) => render(res, 'catalogue-tree', 'Catalogue de services', { tree: await catalogueAdmin.tree(), slug: SLUG_OF });

  async function renderNode(req: Request, res: Response, level: AdminLevel, id: number | null, values: Record<string, unknown>, errors: FieldErrors, status = 200) {
    const node = id === null ? null : await catalogueAdmin.node(level, id);
    const parentLevel = PARENT[level];
    const [parents, teams] = await Promise.all([
      node ? Promise.resolve(node.parents) : parentLevel ? catalogueAdmin.parentChoices(parentLevel) : Promise.resolve([]),
      services.ticketsRepo.teams('support'),
    ]);
    render(res, 'catalogue-node', node ? `${LEVEL_LABEL[level]} : ${node.row.name}` : `Nouveau : ${LEVEL_LABEL[level]}`, {
      level, node, parents, teams, values, errors, slug: SLUG_OF, childLevel: CHILD[level], levelLabel: LEVEL_LABEL,
    }, status);
  }

  /** GET /admin/catalogue/nouveau/:level?parent=ID — the form for a new node. */
  const getNewNode: RequestHandler = async (req, res) => {
    const level = levelParam(req.params.level);
    const defaults = { active: 'on', parent_id: req.query.parent ? String(req.query.parent) : '', accepts_incident: 'on', accepts_request: 'on', establishment_types: ['ecole', 'college', 'lycee', 'service'] };
    await renderNode(req, res, level, null, defaults, {});
  };

  /** GET /admin/catalogue/:level/:id — one node: its fields, its children, a form for a child. */
  const getNode: RequestHandler = async (req, res) => {
    const level = levelParam(req.params.level);
    const id = intParam(req.params.id);
    const { row } = await catalogueAdmin.node(level, id);
    const values: Record<string, unknown> = {
      ...row, active: row.active ? 'on' : '', accepts_incident: row.accepts_incident ? 'on' : '', accepts_request: row.accepts_request ? 'on' : '',
      establishment_types: row.establishment_types ? String(row.establishment_types).split(',') : [],
    };
    await renderNode(req, res, level, id, values, {});
  };

  const nodeSchema = (level: AdminLevel) => (level === 'subcategory' ? SubcategorySchema : NodeSchema);

  /** POST /admin/catalogue/:level — create. */
  const postNewNode: RequestHandler = async (req, res) => {
    const level = levelParam(req.params.level);
    await submit(req, res, nodeSchema(level), async (data) => {
      const id = await catalogueAdmin.create(req.user!.id, level, { ...data, parent_id: data.parent_id ?? undefined });
      return `/admin/catalogue/${SLUG_OF[level]}/${id}`;
    }, (errors, status) => renderNode(req, res, level, null, req.body, errors, status), 'Élément créé.');
  };

  /** POST /admin/catalogue/:level/:id — rename, reorder, move, (de)activate, and a sub-category's routing. */
  const postNode: RequestHandler = async (req, res) => {
    const level = levelParam(req.params.level);
    const id = intParam(req.params.id);
    await submit(req, res, nodeSchema(level), async (data) => {
      await catalogueAdmin.update(req.user!.id, level, id, { ...data, parent_id: data.parent_id ?? undefined });
      return `/admin/catalogue/${SLUG_OF[level]}/${id}`;
    }, (errors, status) => renderNode(req, res, level, id, req.body, errors, status), 'Modifications enregistrées.');
  };

  /** POST /admin/catalogue/:level/:id/supprimer — only what nothing uses. */
  const postDeleteNode: RequestHandler = async (req, res) => {
    const level = levelParam(req.params.level);
    const id = intParam(req.params.id);
    const { row } = await catalogueAdmin.node(level, id);
    try {
      await catalogueAdmin.remove(req.user!.id, level, id);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      return renderNode(req, res, level, id, { ...row, active: row.active ? 'on' : '' }, { _form: err.message }, 409);
    }
    setFlash(req, 'success', `« ${row.name} » a été supprimé.`);
    const parentLevel = PARENT[level];
    res.redirect(303, parentLevel ? `/admin/catalogue/${SLUG_OF[parentLevel]}/${row.parent_id}` : '/admin/catalogue');
  };

  // — Teams —

  const getTeams: RequestHandler = async (_req, res) =>
    render(res, 'teams', 'Équipes', { teams: await directoryAdmin.teams(), platformTeamId: (await services.settings.all()).platform_team_id });

  async function renderTeam(req: Request, res: Response, id: number | null, values: Record<string, unknown>, errors: FieldErrors, status = 200) {
    const team = id === null ? null : await directoryAdmin.team(id);
    render(res, 'team', team ? `Équipe : ${team.row.name}` : 'Nouvelle équipe', { team, values, errors }, status);
  }
  const getNewTeam: RequestHandler = (req, res) => renderTeam(req, res, null, { active: 'on' }, {});
  const getTeam: RequestHandler = async (req, res) => {
    const id = intParam(req.params.id);
    const { row } = await directoryAdmin.team(id);
    await renderTeam(req, res, id, { ...row, active: row.active ? 'on' : '', business: row.business ? 'on' : '' }, {});
  };
  const postTeam = (isNew: boolean): RequestHandler => async (req, res) => {
    const id = isNew ? null : intParam(req.params.id);
    await submit(req, res, TeamSchema, async (data) => `/admin/equipes/${await directoryAdmin.saveTeam(req.user!.id, id, data)}`,
      (errors, status) => renderTeam(req, res, id, req.body, errors, status), 'Équipe enregistrée.');
  };
  const postTeamMember: RequestHandler = async (req, res) => {
    const teamId = intParam(req.params.id);
    try {
      await directoryAdmin.addMember(req.user!.id, teamId, intParam(req.body?.user_id));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return renderTeam(req, res, teamId, {}, err.fields, 422);
    }
    setFlash(req, 'success', 'Membre ajouté.');
    res.redirect(303, `/admin/equipes/${teamId}`);
  };
  const postRemoveTeamMember: RequestHandler = async (req, res) => {
    const teamId = intParam(req.params.id);
    await directoryAdmin.removeMember(req.user!.id, teamId, intParam(req.params.userId));
    setFlash(req, 'success', 'Membre retiré.');
    res.redirect(303, `/admin/equipes/${teamId}`);
  };
  const postPlatformTeam: RequestHandler = async (req, res) => {
    try {
      await directoryAdmin.setPlatformTeam(req.user!.id, intParam(req.body?.platform_team_id));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(res, 'teams', 'Équipes', { teams: await directoryAdmin.teams(), platformTeamId: (await services.settings.all()).platform_team_id, errors: err.fields }, 422);
    }
    setFlash(req, 'success', 'Équipe plateforme enregistrée.');
    res.redirect(303, '/admin/equipes');
  };

  // — Users —

  const getUsers: RequestHandler = async (req, res) => {
    const q = filterText(req.query.q);
    const paging = parsePaging(req.query);
    const { rows, total } = await directoryAdmin.users(q, paging.perPage, paging.offset);
    const lastSync = services.config.ldap ? ((await services.directorySync.lastSync()) ?? null) : null;
    render(res, 'users', 'Utilisateurs', { rows, q, pages: pageLinks(paging, total, '/admin/utilisateurs', { q }), lastSync, syncHours: services.config.directorySyncHours });
  };
  async function renderUser(req: Request, res: Response, id: number | null, values: Record<string, unknown>, errors: FieldErrors, status = 200) {
    const lockedUntil = id && typeof values.identifiant === 'string' ? await services.loginLockout.lockedUntil(values.identifiant) : null;
    render(res, 'user', id ? `Utilisateur : ${values.identifiant ?? ''}` : 'Nouvel utilisateur', { id, values, errors, lockedUntil, establishments: await directoryAdmin.allEstablishments() }, status);
  }
  const getNewUser: RequestHandler = (req, res) => renderUser(req, res, null, { active: 'on', roles: [], establishment_ids: [] }, {});
  const getUser: RequestHandler = async (req, res) => {
    const id = intParam(req.params.id);
    const u = await directoryAdmin.user(id);
    await renderUser(req, res, id, { ...u, active: u.active ? 'on' : '' }, {});
  };
  const postUser = (isNew: boolean): RequestHandler => async (req, res) => {
    const id = isNew ? null : intParam(req.params.id);
    await submit(req, res, UserSchema, async (data) => `/admin/utilisateurs/${await directoryAdmin.saveUser(req.user!.id, id, data)}`,
      (errors, status) => renderUser(req, res, id, req.body, errors, status), 'Utilisateur enregistré.');
  };

  // — Establishments —

  const getEstablishments: RequestHandler = async (req, res) => {
    const q = filterText(req.query.q);
    const paging = parsePaging(req.query);
    const { rows, total } = await directoryAdmin.establishments(q, paging.perPage, paging.offset);
    render(res, 'establishments', 'Établissements', { rows, q, pages: pageLinks(paging, total, '/admin/etablissements', { q }) });
  };
  const renderEstablishment = (res: Response, id: number | null, values: Record<string, unknown>, errors: FieldErrors, status = 200) =>
    render(res, 'establishment', id ? `Établissement : ${values.name ?? ''}` : 'Nouvel établissement', { id, values, errors }, status);
  const getNewEstablishment: RequestHandler = (_req, res) => renderEstablishment(res, null, { type: 'ecole' }, {});
  const getEstablishment: RequestHandler = async (req, res) => {
    const id = intParam(req.params.id);
    renderEstablishment(res, id, await directoryAdmin.establishment(id), {});
  };
  const postEstablishment = (isNew: boolean): RequestHandler => async (req, res) => {
    const id = isNew ? null : intParam(req.params.id);
    await submit(req, res, EstablishmentSchema, async (data) => `/admin/etablissements/${await directoryAdmin.saveEstablishment(req.user!.id, id, data)}`,
      async (errors, status) => renderEstablishment(res, id, req.body, errors, status), 'Établissement enregistré.');
  };

  // — Portal and settings —

  async function renderPortal(res: Response, values: Record<string, unknown>, errors: FieldErrors, status = 200) {
    render(res, 'portal', 'Portail', { sections: await portalAdmin.sections(), values, errors }, status);
  }
  const getPortal: RequestHandler = async (_req, res) => renderPortal(res, { ...(await services.settings.all()) }, {});
  const postPortalSettings: RequestHandler = async (req, res) => {
    await submit(req, res, PortalSettingsSchema, async (data) => {
      await portalAdmin.saveSettings(req.user!.id, data);
      return '/admin/portail';
    }, (errors, status) => renderPortal(res, req.body, errors, status), 'Réglages du portail enregistrés.');
  };
  const postSection = (isNew: boolean): RequestHandler => async (req, res) => {
    const id = isNew ? null : intParam(req.params.id);
    await submit(req, res, SectionSchema, async (data) => {
      await portalAdmin.saveSection(req.user!.id, id, data);
      return '/admin/portail';
    }, async (errors, status) => renderPortal(res, { ...(await services.settings.all()) }, prefix(errors, `section-${id ?? 'new'}`), status), 'Rubrique enregistrée.');
  };
  const postDeleteSection: RequestHandler = async (req, res) => {
    await portalAdmin.deleteSection(req.user!.id, intParam(req.params.id));
    setFlash(req, 'success', 'Rubrique supprimée.');
    res.redirect(303, '/admin/portail');
  };
  const postTool = (isNew: boolean): RequestHandler => async (req, res) => {
    const sectionId = intParam(req.params.sectionId);
    const id = isNew ? null : intParam(req.params.id);
    await submit(req, res, ToolSchema, async (data) => {
      await portalAdmin.saveTool(req.user!.id, sectionId, id, data);
      return '/admin/portail';
    }, async (errors, status) => renderPortal(res, { ...(await services.settings.all()) }, prefix(errors, `tool-${id ?? `new-${sectionId}`}`), status), 'Outil enregistré.');
  };
  const postDeleteTool: RequestHandler = async (req, res) => {
    await portalAdmin.deleteTool(req.user!.id, intParam(req.params.id));
    setFlash(req, 'success', 'Outil supprimé.');
    res.redirect(303, '/admin/portail');
  };

  async function renderSettings(res: Response, values: Record<string, unknown>, errors: FieldErrors, status = 200) {
    render(res, 'settings', 'Réglages', { values, errors, envUpload: { mb: services.config.uploadMaxBytes / 1024 / 1024, files: services.config.uploadMaxFiles } }, status);
  }
  const getSettings: RequestHandler = async (_req, res) => {
    const s = await services.settings.all();
    const values: Record<string, unknown> = {
      auto_close_days: s.auto_close_days, reopen_days: s.reopen_days,
      upload_max_mb: s.upload_max_mb ?? services.config.uploadMaxBytes / 1024 / 1024, upload_max_files: s.upload_max_files ?? services.config.uploadMaxFiles,
    };
    for (const [i, row] of Object.entries(s.priority_matrix)) for (const [u, p] of Object.entries(row)) values[`m_${i}_${u}`] = String(p);
    await renderSettings(res, values, {});
  };
  const postSettings: RequestHandler = async (req, res) => {
    await submit(req, res, SettingsSchema, async (data) => {
      await portalAdmin.saveSettings(req.user!.id, {
        auto_close_days: data.auto_close_days, reopen_days: data.reopen_days, upload_max_mb: data.upload_max_mb, upload_max_files: data.upload_max_files,
        priority_matrix: matrixFromForm(data),
      });
      return '/admin/reglages';
    }, (errors, status) => renderSettings(res, req.body, errors, status), 'Réglages enregistrés.');
  };

  // — FAQ and knowledge articles —

  const getArticles: RequestHandler = async (_req, res) => render(res, 'articles', 'FAQ et fiches de connaissance', { articles: await knowledge.list(null, false) });
  async function renderArticle(res: Response, id: number | null, values: Record<string, unknown>, errors: FieldErrors, status = 200) {
    render(res, 'article', id ? 'Modifier l’article' : 'Nouvel article', { id, values, errors, services: await catalogueAdmin.parentChoices('service') }, status);
  }
  const getNewArticle: RequestHandler = (req, res) => renderArticle(res, null, { kind: req.query.type === 'fiche' ? 'fiche' : 'faq', published: 'on' }, {});
  const getArticle: RequestHandler = async (req, res) => {
    const id = intParam(req.params.id);
    const a = await knowledge.get(id, false);
    await renderArticle(res, id, { ...a, published: a.published ? 'on' : '' }, {});
  };
  const postArticle = (isNew: boolean): RequestHandler => async (req, res) => {
    const id = isNew ? null : intParam(req.params.id);
    await submit(req, res, ArticleSchema, async (data) => {
      await knowledge.save(req.user!.id, id, data);
      return '/admin/articles';
    }, (errors, status) => renderArticle(res, id, req.body, errors, status), 'Article enregistré.');
  };
  const postDeleteArticle: RequestHandler = async (req, res) => {
    await knowledge.remove(req.user!.id, intParam(req.params.id));
    setFlash(req, 'success', 'Article supprimé.');
    res.redirect(303, '/admin/articles');
  };

  // — CSV —

  const kindParam = (raw: unknown): 'catalogue' | 'users' => {
    if (raw === 'catalogue' || raw === 'utilisateurs') return raw === 'catalogue' ? 'catalogue' : 'users';
    throw new NotFoundError();
  };
  const getImport: RequestHandler = (_req, res) => render(res, 'import', 'Import et export CSV', { preview: null, kind: null });
  const getExport: RequestHandler = async (req, res) => {
    const kind = kindParam(req.params.kind);
    const csv = kind === 'catalogue' ? await importExport.exportCatalogue() : await importExport.exportUsers();
    res.attachment(kind === 'catalogue' ? 'catalogue.csv' : 'utilisateurs.csv');
    res.type('text/csv; charset=utf-8');
    res.send(csv);
  };
  /** POST /admin/import/:kind/apercu — read the file, report each bad line, keep it for confirmation. */
  const postPreview: RequestHandler = async (req, res) => {
    const kind = kindParam(req.params.kind);
    const file = uploadedFiles(req)[0];
    if (!file || req.uploadError) {
      return render(res, 'import', 'Import et export CSV', { preview: null, kind, errors: { [`file_${kind}`]: req.uploadError ?? 'Choisissez un fichier CSV.' } }, 422);
    }
    const content = await fs.readFile(file.path, 'utf8');
    const preview = kind === 'catalogue' ? await importExport.previewCatalogue(req.user!.id, content) : await importExport.previewUsers(req.user!.id, content);
    render(res, 'import', 'Import et export CSV', { preview, kind }, preview.errors.length > 0 ? 422 : 200);
  };
  /** POST /admin/import/:kind/appliquer — all or nothing, in one transaction. */
  const postApply: RequestHandler = async (req, res) => {
    const kind = kindParam(req.params.kind);
    const token = String(req.body?.token ?? '');
    const result = kind === 'catalogue' ? await importExport.applyCatalogue(req.user!.id, token) : await importExport.applyUsers(req.user!.id, token);
    setFlash(req, 'success', `Import terminé : ${result.creates} créé(s), ${result.updates} modifié(s), ${result.unchanged} inchangé(s).`);
    res.redirect(303, '/admin/import');
  };

  // — Audit —

  const getAudit: RequestHandler = async (req, res) => {
    const paging = parsePaging(req.query);
    const entity = typeof req.query.objet === 'string' && /^[a-z_]{1,40}$/.test(req.query.objet) ? req.query.objet : undefined;
    const { rows, total } = await audit.list(paging.perPage, paging.offset, entity);
    render(res, 'audit', 'Journal des modifications', { rows, entity, pages: pageLinks(paging, total, '/admin/journal', { objet: entity }) });
  };

  return {
    getCatalogue, getNewNode, getNode, postNewNode, postNode, postDeleteNode,
    getTeams, getNewTeam, getTeam, postTeam, postTeamMember, postRemoveTeamMember, postPlatformTeam,
    getUsers, getNewUser, getUser, postUser,
    getEstablishments, getNewEstablishment, getEstablishment, postEstablishment,
    getPortal, postPortalSettings, postSection, postDeleteSection, postTool, postDeleteTool, getSettings, postSettings,
    getArticles, getNewArticle, getArticle, postArticle, postDeleteArticle,
    getImport, getExport, postPreview, postApply, getAudit,
  };
}

/** Errors of one of several forms on a page, keyed by that form. */
function prefix(errors: FieldErrors, form: string): FieldErrors {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [`${form}:${k}`, v]));
}

