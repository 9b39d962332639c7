import { Router, type RequestHandler } from 'express';
import type { Services } from '../../services.js';
import { requireLogin } from '../../http/auth-guards.js';
import { NotFoundError } from '../../http/errors.js';

function attachmentsHandlers(services: Services) {
  /** GET /pieces-jointes/:id — download, after the same access rules as the ticket; never rendered inline. */
  const getDownload: RequestHandler = async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id <= 0) throw new NotFoundError();
    const { file, path } = await services.tickets.attachmentFor(req.user!, id);
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    res.attachment(file.original_name);
    res.type(file.mime);
    res.sendFile(path, { dotfiles: 'deny' });
  };
  return { getDownload };
}

export function attachmentsRoutes(services: Services): Router {
  const h = attachmentsHandlers(services);
  const router = Router();
  router.get('/pieces-jointes/:id', requireLogin, h.getDownload);
  return router;
}
