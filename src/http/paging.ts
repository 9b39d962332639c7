import { z } from 'zod';

export const PER_PAGE_CHOICES = [10, 20, 50, 100] as const;

const PagingSchema = z.object({
  page: z.coerce.number().int().min(1).max(100000).catch(1),
  par_page: z.coerce
    .number()
    .int()
    .refine((n) => (PER_PAGE_CHOICES as readonly number[]).includes(n))
    .catch(20),
});

export interface Paging {
  page: number;
  perPage: number;
  offset: number;
}

/** Page and page size from the query string; anything odd falls back to page 1 of 20. */
export function parsePaging(query: unknown): Paging {
  const { page, par_page } = PagingSchema.parse(query ?? {});
  return { page, perPage: par_page, offset: (page - 1) * par_page };
}

export interface PageLinks {
  page: number;
  pages: number;
  total: number;
  perPage: number;
  first: number;
  last: number;
  /** The query string of a page, keeping the other parameters. */
  href: (page: number) => string;
}

export function pageLinks(paging: Paging, total: number, path: string, params: Record<string, string | number | undefined>): PageLinks {
  const pages = Math.max(1, Math.ceil(total / paging.perPage));
  const href = (page: number) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v));
    qs.set('par_page', String(paging.perPage));
    qs.set('page', String(page));
    return `${path}?${qs.toString()}`;
  };
  return {
    page: paging.page,
    pages,
    total,
    perPage: paging.perPage,
    first: total === 0 ? 0 : paging.offset + 1,
    last: Math.min(total, paging.offset + paging.perPage),
    href,
  };
}
