import type { Transactions } from '../../db/database.js';
import type { DirectoryAccountsRepo, SyncCounts } from './directory-accounts.repo.js';
import type { DirectoryAccountsService } from './directory-accounts.service.js';
import type { DirectoryPerson } from './directory-person.js';

/** Where the people come from: the LDAP directory, a page at a time. */
export interface PeopleSource {
  people(): AsyncIterable<Array<DirectoryPerson | { invalid: string }>>;
}

export interface SyncReport extends SyncCounts {
  dryRun: boolean;
  errors: string[];
  /** What a dry run would change (or what a run changed), a line each, at most 200. */
  changes: string[];
}

/** A dry run's batch is rolled back on purpose: this carries its outcome out. */
class DryRunRollback extends Error {}

const MAX_CHANGES_LISTED = 200;
/** A sync that runs longer than this is taken for dead (its process stopped): another may start. */
const SYNC_LEASE_MS = 6 * 3600_000;

/**
 * The whole directory read into Guichet: accounts created and brought up to date with their
 * establishments, those who left deactivated (never deleted), those who came back re-enabled.
 * A second run changes nothing. Each page of people is one transaction.
 */
export class DirectorySyncService {
  constructor(private readonly deps: { db: Transactions; accounts: DirectoryAccountsRepo; directoryAccounts: DirectoryAccountsService; now: () => Date }) {}

  async run(source: PeopleSource, opts: { dryRun?: boolean; progress?: (entries: number) => void } = {}): Promise<SyncReport | null> {
    const { db, accounts, directoryAccounts, now } = this.deps;
    const dryRun = opts.dryRun ?? false;
    if (await accounts.running(new Date(now().getTime() - SYNC_LEASE_MS))) return null;
    const syncId = await accounts.startSync(now(), dryRun);
    const report: SyncReport = { dryRun, entries: 0, created: 0, updated: 0, unchanged: 0, deactivated: 0, reactivated: 0, establishments_created: 0, errors: [], changes: [] };
    const note = (line: string) => void (report.changes.length < MAX_CHANGES_LISTED && report.changes.push(line));
    const seen = new Set<string>();
    const known = new Map<string, number>();
    const createdUais = new Set<string>();
    try {
      for await (const page of source.people()) {
        const people = page.filter((p): p is DirectoryPerson => {
          if ('invalid' in p) report.errors.push(`${p.invalid} : identifiant (uid) absent ou invalide`);
          return !('invalid' in p);
        });
        report.entries += page.length;
        const outcomes = await db
          .transaction(async (trx) => {
            const done = [];
            for (const person of people) done.push({ person, result: await directoryAccounts.provision(trx, person, known) });
            if (dryRun) throw new DryRunRollback('', { cause: done });
            return done;
          })
          .catch((err) => {
            if (err instanceof DryRunRollback) return err.cause as Array<{ person: DirectoryPerson; result: Awaited<ReturnType<DirectoryAccountsService['provision']>> }>;
            throw err;
          });
        // Ids given inside a rolled-back transaction do not exist: forget them.
        if (dryRun) for (const { result } of outcomes) for (const rne of result.establishmentsCreated) known.delete(rne);
        for (const { person, result } of outcomes) {
          seen.add(person.identifiant);
          for (const rne of result.establishmentsCreated) {
            if (createdUais.has(rne)) continue;
            createdUais.add(rne);
            report.establishments_created++;
            note(`établissement ${rne} créé, à compléter`);
          }
          if (result.outcome === 'refused') {
            report.unchanged++;
            continue;
          }
          report[result.outcome]++;
          if (result.outcome !== 'unchanged') note(`${person.identifiant} : ${LABELS[result.outcome]}`);
        }
        opts.progress?.(report.entries);
      }
      const gone = (await accounts.activeDirectoryAccounts()).filter((a) => !seen.has(a.identifiant));
      // An empty answer is a directory misconfigured or emptied by mistake, not everyone leaving.
      if (seen.size === 0 && gone.length > 0) {
        report.errors.push("L'annuaire n'a renvoyé personne : aucun compte n'est désactivé.");
      } else {
        report.deactivated = gone.length;
        for (const a of gone) note(`${a.identifiant} : désactivé (absent de l'annuaire)`);
        if (!dryRun) await directoryAccounts.deactivate(gone.map((a) => a.id));
      }
      await accounts.finishSync(syncId, 'done', counts(report), report.errors, now());
      return report;
    } catch (err) {
      report.errors.push(err instanceof Error ? err.message : String(err));
      await accounts.finishSync(syncId, 'failed', counts(report), report.errors, now()).catch(() => undefined);
      throw err;
    }
  }

  lastSync() {
    return this.deps.accounts.lastSync();
  }
}

const LABELS = { created: 'créé', updated: 'mis à jour', reactivated: 'réactivé' } as const;

function counts(r: SyncReport): SyncCounts {
  return { entries: r.entries, created: r.created, updated: r.updated, unchanged: r.unchanged, deactivated: r.deactivated, reactivated: r.reactivated, establishments_created: r.establishments_created };
}
