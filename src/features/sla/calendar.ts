import Holidays from 'date-holidays';

// The helpdesk's working time: opening hours per weekday, public holidays (computed for the
// academy's region) and the academy's own closing days. Service levels count only this time.

/** "HH:MM" → "HH:MM", an opening interval of a day. */
export type Opening = [string, string];

export interface WorkCalendarSettings {
  /** Opening hours per ISO weekday, "1" (lundi) … "7" (dimanche). */
  hours: Record<string, Opening[]>;
  /** The academy's closing days (YYYY-MM-DD), besides the public holidays. */
  closed_days: string[];
  /** '' for metropolitan France, or a département / DROM code date-holidays knows ('57', 'RE'…). */
  holiday_region: string;
  time_zone: string;
}

const WEEKDAY_HOURS: Opening[] = [['08:00', '12:00'], ['13:30', '17:30']];
export const DEFAULT_WORK_CALENDAR: WorkCalendarSettings = {
  hours: { 1: WEEKDAY_HOURS, 2: WEEKDAY_HOURS, 3: WEEKDAY_HOURS, 4: WEEKDAY_HOURS, 5: WEEKDAY_HOURS, 6: [], 7: [] },
  closed_days: [],
  holiday_region: '',
  time_zone: 'Europe/Paris',
};

export const WEEKDAY_LABELS: Record<string, string> = {
  1: 'Lundi', 2: 'Mardi', 3: 'Mercredi', 4: 'Jeudi', 5: 'Vendredi', 6: 'Samedi', 7: 'Dimanche',
};

export const HOLIDAY_REGIONS: Record<string, string> = {
  '': 'France métropolitaine',
  ...new Holidays('FR').getStates('FR'),
};

/** The time zone of each region's opening hours (metropolitan France's unless named). */
const REGION_TIME_ZONES: Record<string, string> = {
  YT: 'Indian/Mayotte', RE: 'Indian/Reunion', MQ: 'America/Martinique', GP: 'America/Guadeloupe', GF: 'America/Cayenne',
  MF: 'America/Marigot', BL: 'America/St_Barthelemy',
};
export const timeZoneOf = (region: string) => REGION_TIME_ZONES[region] ?? 'Europe/Paris';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** A calendar with no opening left for this long has no deadline to give. */
const HORIZON_DAYS = 1_000;

/** A date's UTC day, "2026-12-07". */
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);
/** The day after a day ("2026-12-31" → "2027-01-01"). */
export const nextDay = (day: string) => isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS));
/** The Monday of a day's week. */
export function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return isoDay(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY_MS));
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The calendar's days: for each local date, its working intervals as instants (ms). */
export class WorkCalendar {
  private readonly days = new Map<number, Array<[number, number]>>();
  private readonly holidays = new Map<number, Set<string>>();
  private readonly offsets = new Map<number, number>();
  private readonly parts: Intl.DateTimeFormat;
  private readonly closed: Set<string>;

  constructor(readonly settings: WorkCalendarSettings) {
    this.parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: settings.time_zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    this.closed = new Set(settings.closed_days);
  }

  /** The local wall-clock of an instant, as if it were UTC (ms); the offset asked of Intl once per UTC hour. */
  private wallClock(ms: number): number {
    const hour = Math.floor(ms / HOUR_MS) * HOUR_MS;
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      const p = Object.fromEntries(this.parts.formatToParts(new Date(hour)).map((x) => [x.type, Number(x.value)]));
      offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - hour;
      if (this.offsets.size > 50_000) this.offsets.clear();
      this.offsets.set(hour, offset);
    }
    return ms + offset;
  }

  /** The instant of a local wall-clock time (ms as if UTC), across daylight-saving changes. */
  private instant(wall: number): number {
    let guess = wall - (this.wallClock(wall) - wall);
    const again = wall - (this.wallClock(guess) - guess);
    if (again !== guess) guess = again;
    return guess;
  }

  /** Day number (days since 1970-01-01, local) of an instant. */
  private dayOf(ms: number): number {
    return Math.floor(this.wallClock(ms) / DAY_MS);
  }

  /** The public holidays of a year in the academy's region: date (YYYY-MM-DD) → name. */
  holidaysOf(year: number): Array<{ date: string; name: string }> {
    const region = this.settings.holiday_region;
    const h = region ? new Holidays('FR', region) : new Holidays('FR');
    return h.getHolidays(year).filter((x) => x.type === 'public').map((x) => ({ date: x.date.slice(0, 10), name: x.name }));
  }

  isHoliday(day: number): boolean {
    const date = new Date(day * DAY_MS);
    const year = date.getUTCFullYear();
    let set = this.holidays.get(year);
    if (!set) {
      set = new Set(this.holidaysOf(year).map((x) => x.date));
      this.holidays.set(year, set);
    }
    return set.has(date.toISOString().slice(0, 10));
  }

  /** A local day's working intervals, as instants. */
  private intervals(day: number): Array<[number, number]> {
    let found = this.days.get(day);
    if (found) return found;
    const date = new Date(day * DAY_MS);
    const iso = date.toISOString().slice(0, 10);
    const weekday = ((date.getUTCDay() + 6) % 7) + 1;
    const hours = this.closed.has(iso) || this.isHoliday(day) ? [] : (this.settings.hours[weekday] ?? []);
    found = hours
      .map(([from, to]): [number, number] => [this.instant(day * DAY_MS + minutesOf(from) * 60_000), this.instant(day * DAY_MS + minutesOf(to) * 60_000)])
      .filter(([a, b]) => b > a);
    if (this.days.size > 4_000) this.days.clear();
    this.days.set(day, found);
    return found;
  }

  /** Working seconds between two instants (0 when `to` is not after `from`). */
  workingSeconds(from: Date, to: Date): number {
    const a = from.getTime();
    const b = to.getTime();
    if (b <= a) return 0;
    let total = 0;
    for (let day = this.dayOf(a), last = this.dayOf(b); day <= last; day++) {
      for (const [s, e] of this.intervals(day)) total += Math.max(0, Math.min(e, b) - Math.max(s, a));
    }
    return Math.round(total / 1000);
  }

  /**
   * The instant when `seconds` of working time have passed since `from` (before it when
   * negative: a deadline already passed); null when the calendar never opens.
   */
  addWorkingSeconds(from: Date, seconds: number): Date | null {
    const start = from.getTime();
    let left = Math.abs(seconds) * 1000;
    if (left === 0) return new Date(start);
    const forward = seconds > 0;
    const first = this.dayOf(start);
    for (let i = 0; i <= HORIZON_DAYS; i++) {
      const day = forward ? first + i : first - i;
      const spans = forward ? this.intervals(day) : [...this.intervals(day)].reverse();
      for (const [s, e] of spans) {
        const lo = forward ? Math.max(s, start) : s;
        const hi = forward ? e : Math.min(e, start);
        if (hi <= lo) continue;
        if (hi - lo >= left) return new Date(forward ? lo + left : hi - left);
        left -= hi - lo;
      }
    }
    return null;
  }

  /** Working seconds in one ordinary day (the first weekday's hours): what "1 jour ouvré" means. */
  secondsPerDay(): number {
    const busiest = Object.values(this.settings.hours).find((h) => h.length > 0) ?? [];
    return busiest.reduce((sum, [a, b]) => sum + Math.max(0, minutesOf(b) - minutesOf(a)) * 60, 0);
  }
}
