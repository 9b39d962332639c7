import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

// CSV as French spreadsheets write it: semicolons, UTF-8 with a BOM.

const FORMULA = /^[=+\-@\t\r]/;

/** A cell a spreadsheet would run as a formula (=HYPERLINK(…)) is written with a leading quote. */
export function neutralize(cell: string): string {
  return FORMULA.test(cell) ? `'${cell}` : cell;
}

/** The reverse of neutralize, on import. */
export function unneutralize(cell: string): string {
  return cell.startsWith("'") && FORMULA.test(cell.slice(1)) ? cell.slice(1) : cell;
}

export function toCsv(header: string[], rows: string[][]): string {
  return stringify([header, ...rows.map((r) => r.map((c) => neutralize(c ?? '')))], { delimiter: ';', bom: true, record_delimiter: '\n' });
}

export interface CsvLine {
  line: number;
  cells: Record<string, string>;
}

/** Parse a CSV with the expected header; throws a French message when the file is not readable. */
export function fromCsv(content: string, header: string[]): CsvLine[] {
  let records: string[][];
  const text = content.replace(/^\uFEFF/, '');
  // Semicolons as French spreadsheets write them; commas if that is what the header uses.
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  const delimiter = firstLine.includes(';') ? ';' : ',';
  try {
    records = parse(text, { delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    throw new Error(`Le fichier n'est pas un CSV lisible : ${(err as Error).message}`);
  }
  if (records.length === 0) throw new Error('Le fichier est vide.');
  const got = records[0].map((h) => h.trim().toLowerCase());
  const missing = header.filter((h) => !got.includes(h));
  if (missing.length > 0) throw new Error(`En-tête incomplet : colonnes manquantes ${missing.join(', ')}. Attendu : ${header.join(';')}`);
  return records.slice(1).map((r, i) => ({
    line: i + 2,
    cells: Object.fromEntries(header.map((h) => [h, unneutralize(r[got.indexOf(h)] ?? '')])),
  }));
}

export const yes = (v: string) => ['oui', 'o', 'yes', 'y', '1', 'vrai', 'true'].includes(v.trim().toLowerCase());
export const isYesNo = (v: string) => ['oui', 'o', 'yes', 'y', '1', 'vrai', 'true', 'non', 'n', 'no', '0', 'faux', 'false'].includes(v.trim().toLowerCase());
export const yesNo = (b: boolean | number) => (b ? 'oui' : 'non');
