import type { Knex } from 'knex';
import { NotFoundError } from '../../http/errors.js';
import { toFtsQuery } from '../catalogue/catalogue-index.js';
import { audit } from '../admin/audit.js';
import { markdownText, renderMarkdown } from './markdown.js';
import { rowsOf, sql } from '../../db/sql.js';

export type ArticleKind = 'faq' | 'fiche';

export interface ArticleFields {
  kind: ArticleKind;
  title: string;
  body: string;
  keywords: string;
  service_id: number | null;
  published: boolean;
  position: number;
}

export interface ArticleRow extends ArticleFields {
  id: number;
  service_name?: string | null;
  created_at: string;
  updated_at: string;
}

/** FAQ and "Fiches de connaissance": Markdown articles, searchable, linked to services. */
export class KnowledgeService {
  constructor(private readonly deps: { db: Knex; readDb: Knex; now: () => Date }) {}

  list(kind: ArticleKind | null, publishedOnly: boolean): Promise<ArticleRow[]> {
    const q = this.deps.db('knowledge_articles as k').leftJoin('cat_services as s', 's.id', 'k.service_id').orderBy(['k.kind', 'k.position', 'k.title']).select('k.*', 's.name as service_name');
    if (kind) q.where('k.kind', kind);
    if (publishedOnly) q.where('k.published', true);
    return q;
  }

  /** The published FAQ, each answer rendered (sanitised) as the page shows it. */
  async faq(): Promise<Array<ArticleRow & { html: string }>> {
    return (await this.list('faq', true)).map((a) => ({ ...a, html: renderMarkdown(a.body) }));
  }

  async get(id: number, publishedOnly: boolean): Promise<ArticleRow & { html: string }> {
    const q = this.deps.db('knowledge_articles as k').leftJoin('cat_services as s', 's.id', 'k.service_id').where('k.id', id).first('k.*', 's.name as service_name');
    if (publishedOnly) q.where('k.published', true);
    const row = await q;
    if (!row) throw new NotFoundError();
    return { ...row, html: renderMarkdown(row.body) };
  }

  /** Published articles matching the keywords, best first (shown above the catalogue rows). */
  async search(input: string, limit = 5): Promise<Array<{ id: number; kind: ArticleKind; title: string; excerpt: string }>> {
    const match = toFtsQuery(input);
    if (!match) return [];
    const rows = await rowsOf<{ id: number; kind: ArticleKind; title: string; body: string }>(
      this.deps.readDb,
      sql`SELECT id, kind, title, body FROM knowledge_articles
          WHERE id IN (SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH ${match}) AND published = 1
          ORDER BY position, title LIMIT ${limit}`,
    );
    return rows.map((r) => {
      const text = markdownText(r.body);
      return { id: r.id, kind: r.kind, title: r.title, excerpt: text.length > 180 ? text.slice(0, 177) + '…' : text };
    });
  }

  async save(actorId: number, id: number | null, f: ArticleFields): Promise<number> {
    const now = this.deps.now().toISOString();
    return this.deps.db.transaction(async (trx) => {
      let articleId: number;
      if (id === null) {
        [{ id: articleId }] = await trx('knowledge_articles').insert({ ...f, created_at: now, updated_at: now }).returning('id');
        await audit(trx, { actorId, action: 'create', entity: 'article', entityId: articleId, after: f }, new Date(now));
      } else {
        const before = await trx('knowledge_articles').where({ id }).first();
        if (!before) throw new NotFoundError();
        articleId = id;
        await trx('knowledge_articles').where({ id }).update({ ...f, updated_at: now });
        await audit(trx, { actorId, action: 'update', entity: 'article', entityId: id, before, after: f }, new Date(now));
      }
      await trx.raw('DELETE FROM knowledge_fts WHERE rowid = ?', [articleId]);
      await trx.raw('INSERT INTO knowledge_fts (rowid, title, body, keywords) VALUES (?, ?, ?, ?)', [articleId, f.title, markdownText(f.body), f.keywords]);
      return articleId;
    });
  }

  async remove(actorId: number, id: number): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const before = await trx('knowledge_articles').where({ id }).first();
      if (!before) throw new NotFoundError();
      await trx('knowledge_articles').where({ id }).delete();
      await trx.raw('DELETE FROM knowledge_fts WHERE rowid = ?', [id]);
      await audit(trx, { actorId, action: 'delete', entity: 'article', entityId: id, before }, this.deps.now());
    });
  }
}
