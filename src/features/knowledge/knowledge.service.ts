import type { Transactions } from '../../db/database.js';
import { searchWords } from '../../db/dialect.js';
import { NotFoundError } from '../../http/errors.js';
import type { AuditRepo } from '../admin/audit.repo.js';
import { markdownText, renderMarkdown } from './markdown.js';
import type { KnowledgeRepo } from './knowledge.repo.js';

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
  constructor(private readonly deps: { db: Transactions; knowledge: KnowledgeRepo; audit: AuditRepo; now: () => Date }) {}

  list(kind: ArticleKind | null, publishedOnly: boolean): Promise<ArticleRow[]> {
    return this.deps.knowledge.list(kind, publishedOnly);
  }

  /** The published FAQ, each answer rendered (sanitised) as the page shows it. */
  async faq(): Promise<Array<ArticleRow & { html: string }>> {
    return (await this.list('faq', true)).map((a) => ({ ...a, html: renderMarkdown(a.body) }));
  }

  async get(id: number, publishedOnly: boolean): Promise<ArticleRow & { html: string }> {
    const row = await this.deps.knowledge.get(id, publishedOnly);
    if (!row) throw new NotFoundError();
    return { ...row, html: renderMarkdown(row.body) };
  }

  /** Published articles matching the keywords, best first (shown above the catalogue rows). */
  async search(input: string, limit = 5): Promise<Array<{ id: number; kind: ArticleKind; title: string; excerpt: string }>> {
    const words = searchWords(input);
    if (words.length === 0) return [];
    const rows = await this.deps.knowledge.search(words, limit);
    return rows.map((r) => {
      const text = markdownText(r.body);
      return { id: r.id, kind: r.kind, title: r.title, excerpt: text.length > 180 ? text.slice(0, 177) + '…' : text };
    });
  }

  async save(actorId: number, id: number | null, f: ArticleFields): Promise<number> {
    const { db, knowledge, audit } = this.deps;
    const now = this.deps.now();
    const at = now.toISOString();
    return db.transaction(async (trx) => {
      let articleId: number;
      if (id === null) {
        articleId = await knowledge.insert(trx, { ...f, created_at: at, updated_at: at });
        await audit.record(trx, { actorId, action: 'create', entity: 'article', entityId: articleId, after: f }, now);
      } else {
        const before = await knowledge.get(id, false, trx);
        if (!before) throw new NotFoundError();
        articleId = id;
        await knowledge.update(trx, id, { ...f, updated_at: at });
        await audit.record(trx, { actorId, action: 'update', entity: 'article', entityId: id, before, after: f }, now);
      }
      await knowledge.index(trx, articleId, { title: f.title, text: markdownText(f.body), keywords: f.keywords });
      return articleId;
    });
  }

  async remove(actorId: number, id: number): Promise<void> {
    const { db, knowledge, audit } = this.deps;
    await db.transaction(async (trx) => {
      const before = await knowledge.get(id, false, trx);
      if (!before) throw new NotFoundError();
      await knowledge.remove(trx, id);
      await audit.record(trx, { actorId, action: 'delete', entity: 'article', entityId: id, before }, this.deps.now());
    });
  }
}
