import type { Knex } from 'knex';
import { DEFAULT_PRIORITY_MATRIX, type PriorityMatrix } from '../tickets/vocabulary.js';

export interface Settings {
  academy_name: string;
  helpdesk_name: string;
  phone_fallback: string;
  auto_close_days: number;
  reopen_days: number;
  priority_matrix: PriorityMatrix;
  /** The team that receives wrongly dispatched tickets; set by the catalogue seed. */
  platform_team_id: number | null;
  /** Upload limits set by an admin; null: the environment's (UPLOAD_MAX_MB, UPLOAD_MAX_FILES). */
  upload_max_mb: number | null;
  upload_max_files: number | null;
}

export const DEFAULT_SETTINGS: Settings = {
  academy_name: 'Académie de Toulouse',
  helpdesk_name: 'ASAP²',
  phone_fallback:
    "En cas de panne d'accès à internet, la plateforme d'assistance est également accessible par téléphone au 0820 36 36 36 (numéro indigo, 0,12 € TTC / minute).",
  auto_close_days: 14,
  reopen_days: 16,
  priority_matrix: DEFAULT_PRIORITY_MATRIX,
  platform_team_id: null,
  upload_max_mb: null,
  upload_max_files: null,
};

/** Settings live in one key/value table; read often, written rarely, so they are cached. */
export class SettingsService {
  private cache: Settings | null = null;

  constructor(private readonly db: Knex) {}

  /** Inside a transaction, pass it: with one SQLite connection, reading through another would wait forever. */
  async all(db: Knex = this.db): Promise<Settings> {
    if (this.cache) return this.cache;
    const rows: Array<{ key: string; value: string }> = await db('settings').select('key', 'value');
    const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const row of rows) {
      if (row.key in DEFAULT_SETTINGS) settings[row.key] = JSON.parse(row.value);
    }
    this.cache = settings as unknown as Settings;
    return this.cache;
  }

  async set<K extends keyof Settings>(key: K, value: Settings[K], trx: Knex = this.db): Promise<void> {
    await trx('settings').insert({ key, value: JSON.stringify(value) }).onConflict('key').merge();
    this.cache = null;
  }

  /** The upload limits in force: an admin's setting, else the environment's. */
  async uploadLimits(defaults: { maxBytes: number; maxFiles: number }): Promise<{ maxBytes: number; maxFiles: number }> {
    const s = await this.all();
    return {
      maxBytes: s.upload_max_mb ? Math.round(s.upload_max_mb * 1024 * 1024) : defaults.maxBytes,
      maxFiles: s.upload_max_files ?? defaults.maxFiles,
    };
  }
}
