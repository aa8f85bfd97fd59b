import type { ProfileBoard } from "../daemon/profile-board.ts";

export interface Probe {
  ok: boolean;
  body: Record<string, unknown>;
}

/** `/healthz`: the process answers and its scheduler loop woke recently (it is not stuck). */
export function liveness(lastHeartbeatAt: number | undefined, heartbeatMs: number, now = Date.now()): Probe {
  if (lastHeartbeatAt === undefined) return { ok: false, body: { status: "starting" } };
  const ageMs = now - lastHeartbeatAt;
  // Three missed heartbeats: a timer firing late on a loaded machine is not yet a stuck loop.
  const ok = ageMs <= 3 * heartbeatMs;
  return { ok, body: { status: ok ? "ok" : "scheduler loop stalled", heartbeatAgeSeconds: ageMs / 1000 } };
}

/** `/readyz`: every scheduled profile refreshed since its last due run. */
export function readiness(board: ProfileBoard, started: boolean, now = Date.now()): Probe {
  if (!started) return { ok: false, body: { status: "not scheduling (starting, reloading or stopping)" } };
  const late = board.lateProfiles(now);
  const needsConsent = board.states.filter((s) => s.needsConsent).map((s) => s.name);
  const ok = late.length === 0;
  return { ok, body: { status: ok ? "ok" : "profiles missed their deadline", late, needsConsent } };
}
