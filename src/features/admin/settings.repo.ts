import type { Database, Trx } from '../../db/database.js';
import { sql } from '../../db/sql.js';
import { DEFAULT_PRIORITY_MATRIX, type PriorityMatrix } from '../tickets/vocabulary.js';
import { DEFAULT_WORK_CALENDAR, type WorkCalendarSettings } from '../sla/calendar.js';
import { DEFAULT_SLA, type SlaSettings } from '../sla/clock.js';

export interface Settings {
  academy_name: string;
  helpdesk_name: string;
  phone_fallback: string;
  auto_close_days: number;
  reopen_days: number;
  priority_matrix: PriorityMatrix;
  /** The team that receives wrongly dispatched tickets; set by the catalogue seed. */
  platform_team_id: number | null;
  /** The sub-category of tickets opened by mail, for the platform team to qualify; set by a seed. */
  mail_intake_subcategory_id: number | null;
  /** Upload limits set by an admin; null: the environment's (UPLOAD_MAX_MB, UPLOAD_MAX_FILES). */
  upload_max_mb: number | null;
  upload_max_files: number | null;
  /** Service-level targets, per priority and optionally per service. */
  sla: SlaSettings;
  /** The working hours and closing days service levels count in. */
  work_calendar: WorkCalendarSettings;
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
  mail_intake_subcategory_id: null,
  upload_max_mb: null,
  upload_max_files: null,
  sla: DEFAULT_SLA,
  work_calendar: DEFAULT_WORK_CALENDAR,
};

/**
 * Settings live in one key/value table; read on every page and written rarely, so they are kept
 * in memory, and read again after a change.
 */
export class SettingsRepo {
  private cache: Settings | null = null;

  constructor(private readonly db: Database) {}

  /**
   * The settings. Inside a transaction, pass it: an empty cache is then filled through it (and
   * not kept, as that transaction may yet roll back).
   */
  async all(trx?: Trx): Promise<Settings> {
    if (!trx) this.db.assertOutsideTransaction();
    if (this.cache) return this.cache;
    const rows = await this.db.select<{ key: string; value: string }>(sql`SELECT key, value FROM settings`, trx);
    const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const row of rows) {
      if (row.key in DEFAULT_SETTINGS) settings[row.key] = JSON.parse(row.value);
    }
    if (!trx) this.cache = settings as unknown as Settings;
    return settings as unknown as Settings;
  }

  async set<K extends keyof Settings>(trx: Trx, key: K, value: Settings[K]): Promise<void> {
    this.cache = null;
    await this.db.execute(sql`INSERT INTO settings (key, value) VALUES (${key}, ${JSON.stringify(value)}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, trx);
  }

  /**
   * Set a flag once, whoever else tries at the same moment: true for the one caller that set it.
   * (Not a setting: `all()` does not read it.)
   */
  async claimFlag(key: string): Promise<boolean> {
    if (key in DEFAULT_SETTINGS) throw new Error(`${key} is a setting, not a flag`);
    const set = await this.db.execute(sql`INSERT INTO settings (key, value) VALUES (${key}, 'true') ON CONFLICT (key) DO NOTHING RETURNING key`);
    return set.length === 1;
  }

  /** Forget what is kept: read again on the next call (a change made elsewhere). */
  forget(): void {
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
