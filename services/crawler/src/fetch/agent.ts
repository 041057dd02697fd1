/**
 * The shared undici Agent. Connection pooling lives here, and so does the SSRF check: the Agent's
 * connect `lookup` refuses blocked addresses, so every socket (every redirect hop, every reconnect
 * after a DNS change) is checked against the address it really connects to.
 */
import { Agent } from 'undici';
import { createGuardedLookup } from '@yuqing/net';
import type { AddressPolicy } from '@yuqing/net';

/** Settings for createHttpAgent. */
export interface HttpAgentOptions {
  addressPolicy: AddressPolicy;
  connectTimeoutMs: number;
  /** Idle keep-alive sockets are closed after this long (default 10 s). */
  keepAliveTimeoutMs?: number;
  /** Most sockets per origin (default 4); per-host politeness is the scheduler's job, this is a backstop. */
  connectionsPerOrigin?: number;
}

// Which policy each agent enforces, so fetchUrl can refuse an agent that would enforce a different one.
const policies = new WeakMap<Agent, AddressPolicy>();

/** Creates the per-process HTTP agent; close it with `await agent.close()` on shutdown. */
export function createHttpAgent(opts: HttpAgentOptions): Agent {
  const agent = new Agent({
    connect: { timeout: opts.connectTimeoutMs, lookup: createGuardedLookup(opts.addressPolicy) },
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 10_000,
    connections: opts.connectionsPerOrigin ?? 4,
  });
  policies.set(agent, opts.addressPolicy);
  return agent;
}

/** The address policy an agent from createHttpAgent enforces; undefined for any other agent. */
export function agentPolicy(agent: Agent): AddressPolicy | undefined {
  return policies.get(agent);
}
