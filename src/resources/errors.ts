import { z } from 'zod';
import { errorStatus, type AppError, type ErrorCode } from '../errors.ts';

/** The one error shape of the admin API and the CLI: `{"errors": [{status, title, detail, code}]}`. */
export const errorOutput = z.object({
  errors: z
    .array(
      z.object({
        status: z.number().int().min(400).max(599),
        title: z.string(),
        detail: z.string(),
        code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
      }),
    )
    .min(1),
});

/** The document of one error (its detail only when exposed). */
export function presentError(error: AppError): z.output<typeof errorOutput> {
  return {
    errors: [
      {
        status: error.status,
        title: error.title,
        detail: error.expose ? error.message : 'The server could not complete the request.',
        code: error.code,
      },
    ],
  };
}
