/** Who an audit entry names for an API request: the caller, and the request's id to match the logs. */
import type { AuditEntry } from '@yuqing/db';
import type { FastifyRequest } from 'fastify';
import { callerOf } from './plugins/auth';

export function auditActor(req: FastifyRequest): Pick<AuditEntry, 'actorId' | 'actorName' | 'requestId'> {
  const { user } = callerOf(req);
  return { actorId: user.id, actorName: user.name, requestId: req.id };
}
