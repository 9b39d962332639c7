import fs from 'node:fs';
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import type { Config } from '../config.js';
import { messages } from './messages.js';
import { fileSize } from './format.js';
import { BadRequestError, isStorageFull } from './errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set when the multipart body could not be received whole; the handler shows it next to "Pièces jointes". */
    uploadError?: string;
  }
}

/** Files received with the request, in a temp folder until a service keeps them. */
export function uploadedFiles(req: Request): Express.Multer.File[] {
  return Array.isArray(req.files) ? req.files : [];
}

/**
 * The one gate for multipart bodies, run before the CSRF check so that every form, with
 * files or not, is checked the same way. Files land in a temp folder under random names,
 * within size and count limits; whatever no service moved away is deleted when the response ends.
 */
export interface UploadLimits {
  maxBytes: number;
  maxFiles: number;
}

export function multipartGate(config: Config, limits: () => Promise<UploadLimits>): RequestHandler {
  const tmpDir = config.uploadTmpDir;
  fs.mkdirSync(tmpDir, { recursive: true });

  return async (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    const { maxBytes, maxFiles } = await limits();
    const parse = multer({
      dest: tmpDir,
      limits: { fileSize: maxBytes, files: maxFiles, fields: 60, fieldSize: 256 * 1024, parts: 60 + maxFiles },
    }).any();
    res.on('close', () => {
      // A body cut short leaves a file entry without a path (multer removes that one itself).
      for (const f of uploadedFiles(req)) if (typeof f.path === 'string') fs.rm(f.path, { force: true }, () => undefined);
    });
    parse(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof multer.MulterError) {
        req.uploadError =
          err.code === 'LIMIT_FILE_SIZE'
            ? messages.upload.tooBig(fileSize(maxBytes))
            : err.code === 'LIMIT_FILE_COUNT'
              ? messages.upload.tooMany(maxFiles)
              : messages.upload.generic;
        req.files = [];
        req.body ??= {};
        return next();
      }
      if (isStorageFull(err)) {
        // The fields received before the file are kept; the form comes back with them.
        req.uploadError = messages.upload.diskFull;
        req.files = [];
        req.body ??= {};
        return next();
      }
      // The body's parser (busboy) fails without a system code on a malformed or cut-short body:
      // the client's fault. A system error (a folder that cannot be written) stays a 500.
      const code = err && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
      next(code === undefined ? new BadRequestError() : err);
    });
  };
}
