import { Router, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { Services } from '../../services.js';
import { requireRole } from '../../http/auth-guards.js';
import { setFlash } from '../../http/flash.js';
import { submit } from '../../http/submit.js';
import { decimal } from '../../http/format.js';
import type { FieldErrors } from '../../http/validation.js';
import { slaMessages } from './sla.service.js';
import { HOLIDAY_REGIONS, WEEKDAY_LABELS } from './calendar.js';
import { CalendarSchema, closingDaysText, DefaultTargetsSchema, PRIORITY_RANKS, ServiceTargetsSchema, targetsFromForm, WEEKDAYS } from './sla.schemas.js';
import type { PriorityTargets } from './clock.js';

const PAGE = '/admin/niveaux-de-service';
const hoursText = (minutes: number | undefined) => (minutes === undefined ? '' : decimal(minutes / 60, 2));

/** The form fields of a set of targets, in hours. */
function targetValues(targets: PriorityTargets): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of PRIORITY_RANKS) {
    values[`tto_${p}`] = hoursText(targets[p]?.tto);
    values[`ttr_${p}`] = hoursText(targets[p]?.ttr);
  }
  return values;
}

function slaHandlers(services: Services) {
  const { sla } = services;

  /** The page, with what was typed in the form that failed (`form` names it), the others as stored. */
  async function render(res: Response, failed?: { form: string; values: Record<string, unknown>; errors: FieldErrors }, status = 200) {
    const { settings: s, services: choices, overrides, holidays, hoursPerDay } = await sla.adminPage();
    const calendarValues: Record<string, unknown> = { holiday_region: s.work_calendar.holiday_region, closed_days: closingDaysText(s.work_calendar.closed_days) };
    for (const d of WEEKDAYS) calendarValues[`hours_${d}`] = (s.work_calendar.hours[d] ?? []).map(([a, b]) => `${a}-${b}`).join(', ');
    res.status(status).render('admin/service-levels', {
      title: 'Niveaux de service', portal: 'admin',
      failed: failed?.form ?? null,
      errors: failed?.errors ?? {},
      defaults: failed?.form === 'defaults' ? failed.values : targetValues(s.sla.default),
      calendar: failed?.form === 'calendar' ? failed.values : calendarValues,
      newService: failed?.form === 'service' ? failed.values : {},
      overrides: overrides.map((o) => ({ ...o, values: targetValues(o.targets) })),
      services: choices, regions: HOLIDAY_REGIONS, weekdays: WEEKDAY_LABELS, holidays, hoursPerDay,
    });
  }

  /** A form of the page, saved by `save` (which returns the open tickets it moved). */
  const form = <S extends z.ZodType>(name: string, schema: S, save: (actorId: number, data: z.infer<S>) => Promise<number>): RequestHandler => (req, res) => {
    let moved = 0;
    return submit(req, res, schema, async (data) => {
      moved = await save(req.user!.id, data);
      return PAGE;
    }, (errors, status) => render(res, { form: name, values: req.body, errors }, status), () => slaMessages.saved(moved));
  };

  return {
    getPage: (async (_req, res) => render(res)) as RequestHandler,
    /** POST /admin/niveaux-de-service — the default targets per priority. */
    postDefaults: form('defaults', DefaultTargetsSchema, (actor, data) => sla.saveDefaults(actor, targetsFromForm(data))),
    /** POST /admin/niveaux-de-service/services — one service's own targets (added or replaced). */
    postService: form('service', ServiceTargetsSchema, (actor, { service_id, ...targets }) => sla.saveServiceTargets(actor, service_id, targetsFromForm(targets))),
    /** POST /admin/niveaux-de-service/services/:id/supprimer — back to the default targets. */
    postRemoveService: (async (req, res) => {
      const moved = await sla.removeServiceTargets(req.user!.id, String(req.params.id));
      setFlash(req, 'success', slaMessages.saved(moved));
      res.redirect(303, PAGE);
    }) as RequestHandler,
    /** POST /admin/niveaux-de-service/calendrier — opening hours, holidays, closing days. */
    postCalendar: form('calendar', CalendarSchema, (actor, data) => sla.saveCalendar(actor, {
      hours: Object.fromEntries(WEEKDAYS.map((d) => [d, data[`hours_${d}`]])), holiday_region: data.holiday_region, closed_days: data.closed_days,
    })),
  };
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
