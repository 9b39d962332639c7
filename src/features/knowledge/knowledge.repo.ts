import type { Database, Trx } from '../../db/database.js';
import { allOf, assignments, insertRows, sql, wholeNumber } from '../../db/sql.js';
import type { ArticleFields, ArticleKind, ArticleRow } from './knowledge.service.js';

const ARTICLE = sql`SELECT k.*, s.name AS service_name FROM knowledge_articles AS k LEFT JOIN cat_services AS s ON s.id = k.service_id`;

/** FAQ and knowledge articles, and their full-text index. */
export class KnowledgeRepo {
  constructor(private readonly db: Database) {}

  list(kind: ArticleKind | null, publishedOnly: boolean): Promise<ArticleRow[]> {
    const where = allOf([kind ? sql`k.kind = ${kind}` : sql`1 = 1`, publishedOnly ? sql`k.published` : sql`1 = 1`]);
    return this.db.select(sql`${ARTICLE} WHERE ${where} ORDER BY k.kind, k.position, k.title`);
  }

  get(id: number, publishedOnly: boolean, trx?: Trx): Promise<ArticleRow | undefined> {
    return this.db.first(sql`${ARTICLE} WHERE k.id = ${id} ${publishedOnly ? sql`AND k.published` : sql``}`, trx);
  }

  /** Published articles holding every word, in their order. */
  search(words: string[], limit: number): Promise<Array<{ id: number; kind: ArticleKind; title: string; body: string }>> {
    return this.db.select(sql`
      SELECT id, kind, title, body FROM knowledge_articles
      WHERE id IN (${this.db.dialect.fullTextIds('knowledge', words)}) AND published
      ORDER BY position, title LIMIT ${wholeNumber(limit)}`);
  }

  async insert(trx: Trx, row: ArticleFields & { created_at: string; updated_at: string }): Promise<number> {
    const [{ id }] = await this.db.execute<{ id: number }>(sql`${insertRows('knowledge_articles', [row])} RETURNING id`, trx);
    return id;
  }

  async update(trx: Trx, id: number, fields: ArticleFields & { updated_at: string }): Promise<void> {
    await this.db.execute(sql`UPDATE knowledge_articles SET ${assignments('knowledge_articles', fields)} WHERE id = ${id}`, trx);
  }

  async remove(trx: Trx, id: number): Promise<void> {
    await this.db.execute(sql`DELETE FROM knowledge_articles WHERE id = ${id}`, trx);
    await this.db.execute(this.db.dialect.unindex('knowledge', id), trx);
  }

  /** What the search finds of an article: its title, its text without Markdown, its keywords. */
  async index(trx: Trx, id: number, document: { title: string; text: string; keywords: string }): Promise<void> {
    for (const q of this.db.dialect.reindexOne('knowledge', id, [document.title, document.text, document.keywords])) await this.db.execute(q, trx);
  }
}
