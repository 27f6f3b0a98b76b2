/** meta/v1 Status objects worded as kube-apiserver words them, thrown inside the double and served as JSON. */
import type {Status} from '../../../src/kube/types.js'

export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message)
  }
}

function failure(code: number, reason: string, message: string, details?: Status['details']): StatusError {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  }
  if (details) status.details = details
  return new StatusError(status)
}

function groupOf(group: string): Record<string, string> {
  return group === '' ? {} : {group}
}

/** `kind` here is the plural resource name, as the real server puts it in NotFound/AlreadyExists details. */
export const errors = {
  notFound: (group: string, plural: string, name: string) =>
    failure(404, 'NotFound', `${plural}${group ? `.${group}` : ''} "${name}" not found`, {
      name,
      ...groupOf(group),
      kind: plural,
    }),
  alreadyExists: (group: string, plural: string, name: string) =>
    failure(409, 'AlreadyExists', `${plural}${group ? `.${group}` : ''} "${name}" already exists`, {
      name,
      ...groupOf(group),
      kind: plural,
    }),
  conflict: (group: string, plural: string, name: string) =>
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${plural}${group ? `.${group}` : ''} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      {name, ...groupOf(group), kind: plural},
    ),
  invalid: (group: string, kind: string, name: string, causes: {field: string; message: string}[]) =>
    failure(
      422,
      'Invalid',
      `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      {
        name,
        ...groupOf(group),
        kind,
        causes: causes.map((c) => ({reason: 'FieldValueInvalid', message: c.message, field: c.field})),
      },
    ),
  /** A delete whose preconditions.resourceVersion is stale: worded with the Kind, not the plural. */
  preconditionFailed: (
    r: {group: string; plural: string; kind: string},
    name: string,
    wanted: string,
    live: string,
  ) =>
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${r.kind} "${name}": the ResourceVersion in the precondition (${wanted}) does not match the ResourceVersion in record (${live}). The object might have been modified`,
      {name, ...groupOf(r.group), kind: r.plural},
    ),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string, details?: Status['details']) => failure(403, 'Forbidden', message, details),
  notFoundPath: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
  methodNotAllowed: (method: string) =>
    failure(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${method})`,
    ),
  unsupportedMediaType: (type: string) =>
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`,
    ),
}

export function success(details: Status['details']): Status {
  const status: Status = {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200}
  if (details) status.details = details
  return status
}
