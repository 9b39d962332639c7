import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Services } from '../../services.js';
import { requireRole } from '../../http/auth-guards.js';
import { NotFoundError } from '../../http/errors.js';
import { setFlash } from '../../http/flash.js';
import { parseForm, type FieldErrors } from '../../http/validation.js';
import { HOLIDAY_REGIONS, timeZoneOf, WEEKDAY_LABELS } from './calendar.js';
import { CalendarSchema, closingDaysText, DefaultTargetsSchema, PRIORITY_RANKS, ServiceTargetsSchema, targetsFromForm, WEEKDAYS } from './sla.schemas.js';
import type { PriorityTargets } from './clock.js';

const hoursText = (minutes: number | undefined) => (minutes === undefined ? '' : String(Math.round((minutes / 60) * 100) / 100).replace('.', ','));

/** The form fields of a set of targets. */
function targetValues(targets: PriorityTargets, prefix = ''): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of PRIORITY_RANKS) {
    values[`${prefix}tto_${p}`] = hoursText(targets[p]?.tto);
    values[`${prefix}ttr_${p}`] = hoursText(targets[p]?.ttr);
  }
  return values;
}

function slaHandlers(services: Services) {
  const { sla, settings } = services;

  /** The page, with what was typed in the form that failed (`form` names it), the others as stored. */
  async function render(req: Request, res: Response, failed?: { form: string; values: Record<string, unknown>; errors: FieldErrors }, status = 200) {
    const s = await settings.all();
    const choices = await sla.serviceChoices();
    const pathOf = new Map(choices.map((c) => [String(c.id), c.path]));
    const calendarValues: Record<string, unknown> = { holiday_region: s.work_calendar.holiday_region, closed_days: closingDaysText(s.work_calendar.closed_days) };
    for (const d of WEEKDAYS) calendarValues[`hours_${d}`] = (s.work_calendar.hours[d] ?? []).map(([a, b]) => `${a}-${b}`).join(', ');
    const cal = sla.calendarOf(s);
    const year = services.now().getUTCFullYear();
    res.status(status).render('admin/service-levels', {
      title: 'Niveaux de service', portal: 'admin',
      failed: failed?.form ?? null,
      errors: failed?.errors ?? {},
      defaults: failed?.form === 'defaults' ? failed.values : targetValues(s.sla.default),
      calendar: failed?.form === 'calendar' ? failed.values : calendarValues,
      newService: failed?.form === 'service' ? failed.values : {},
      overrides: Object.entries(s.sla.services).map(([id, t]) => ({ id, path: pathOf.get(id) ?? `Service n° ${id} (supprimé)`, values: targetValues(t) })),
      services: choices,
      regions: HOLIDAY_REGIONS,
      weekdays: WEEKDAY_LABELS,
      holidays: cal.holidaysOf(year).concat(cal.holidaysOf(year + 1)),
      hoursPerDay: cal.secondsPerDay() / 3600,
    });
  }

  const getPage: RequestHandler = (req, res) => render(req, res);

  const done = (req: Request, res: Response, moved: number) => {
    setFlash(req, 'success', `Niveaux de service enregistrés : échéances recalculées pour ${moved} ticket${moved > 1 ? 's' : ''} en cours.`);
    res.redirect(303, '/admin/niveaux-de-service');
  };

  /** POST /admin/niveaux-de-service — the default targets per priority. */
  const postDefaults: RequestHandler = async (req, res) => {
    const parsed = parseForm(DefaultTargetsSchema, req.body);
    if (!parsed.ok) return render(req, res, { form: 'defaults', values: req.body, errors: parsed.errors }, 422);
    const s = await settings.all();
    done(req, res, await sla.save(req.user!.id, { sla: { ...s.sla, default: targetsFromForm(parsed.data) } }));
  };

  /** POST /admin/niveaux-de-service/services — one service's own targets (added or replaced). */
  const postService: RequestHandler = async (req, res) => {
    const parsed = parseForm(ServiceTargetsSchema, req.body);
    if (!parsed.ok) return render(req, res, { form: 'service', values: req.body, errors: parsed.errors }, 422);
    const { service_id, ...targets } = parsed.data;
    if (!(await sla.serviceChoices()).some((c) => c.id === service_id)) {
      return render(req, res, { form: 'service', values: req.body, errors: { service_id: 'Ce service n’existe pas.' } }, 422);
    }
    const s = await settings.all();
    done(req, res, await sla.save(req.user!.id, { sla: { ...s.sla, services: { ...s.sla.services, [service_id]: targetsFromForm(targets) } } }));
  };

  /** POST /admin/niveaux-de-service/services/:id/supprimer — back to the default targets. */
  const postRemoveService: RequestHandler = async (req, res) => {
    const s = await settings.all();
    const id = String(req.params.id);
    if (!Object.hasOwn(s.sla.services, id)) throw new NotFoundError();
    const { [id]: _removed, ...rest } = s.sla.services;
    done(req, res, await sla.save(req.user!.id, { sla: { ...s.sla, services: rest } }));
  };

  /** POST /admin/niveaux-de-service/calendrier — opening hours, holidays, closing days. */
  const postCalendar: RequestHandler = async (req, res) => {
    const parsed = parseForm(CalendarSchema, req.body);
    if (!parsed.ok) return render(req, res, { form: 'calendar', values: req.body, errors: parsed.errors }, 422);
    const s = await settings.all();
    const hours = Object.fromEntries(WEEKDAYS.map((d) => [d, parsed.data[`hours_${d}`]]));
    done(req, res, await sla.save(req.user!.id, {
      work_calendar: { hours, holiday_region: parsed.data.holiday_region, time_zone: timeZoneOf(parsed.data.holiday_region), closed_days: parsed.data.closed_days },
    }));
  };

  return { getPage, postDefaults, postService, postRemoveService, postCalendar };
}

export function slaRoutes(services: Services): Router {
  const h = slaHandlers(services);
  const router = Router();
  const admin = requireRole('admin');
  router.get('/admin/niveaux-de-service', admin, h.getPage);
  router.post('/admin/niveaux-de-service', admin, h.postDefaults);
  router.post('/admin/niveaux-de-service/services', admin, h.postService);
  router.post('/admin/niveaux-de-service/services/:id/supprimer', admin, h.postRemoveService);
  router.post('/admin/niveaux-de-service/calendrier', admin, h.postCalendar);
  return router;
}
