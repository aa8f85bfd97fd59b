import {
  type CompiledSchedule,
  jitterOffsetMs,
  jitterWindowMs,
  type PartnerdConfig,
  type ProfileConfig,
  type ProfileStatus,
  readStatus,
  readStatuses,
  scheduleCompiler,
} from "@partnerd/core";

const DAY_MS = 86_400_000;
/** Entra ID's default; a profile's `inactivityDays` (where the config has it) wins. */
const DEFAULT_INACTIVITY_DAYS = 90;
/** How long after a scheduled run a success may still arrive before the profile counts as late. */
const MAX_GRACE_MS = 15 * 60_000;

export interface ProfileState {
  name: string;
  scheduled: boolean;
  lastSuccessAt: number | undefined;
  /** When the stored refresh token was issued; absent for app-only profiles. */
  refreshTokenIssuedAt: number | undefined;
  inactivityMs: number;
  needsConsent: boolean;
  failing: boolean;
}

interface Deadline {
  schedule: CompiledSchedule;
  offsetMs: number;
  graceMs: number;
}

/**
 * What the daemon knows about each profile, from its status file, re-read after every run: the source
 * of systemd's STATUS line, the per-profile metrics and `/readyz`. Holds no token.
 */
export class ProfileBoard {
  readonly #states = new Map<string, ProfileState>();
  readonly #deadlines = new Map<string, Deadline>();
  #config: PartnerdConfig;

  private constructor(config: PartnerdConfig) {
    this.#config = config;
  }

  static async load(config: PartnerdConfig): Promise<ProfileBoard> {
    const board = new ProfileBoard(config);
    await board.reset(config);
    return board;
  }

  get config(): PartnerdConfig {
    return this.#config;
  }

  /** After a reload: the new config's profiles, read afresh. */
  async reset(config: PartnerdConfig): Promise<void> {
    this.#config = config;
    this.#states.clear();
    this.#deadlines.clear();
    const compile = scheduleCompiler();
    const periods = new Map<CompiledSchedule, number>();
    const profiles = Object.values(config.profiles);
    for (const profile of profiles) {
      if (profile.schedule) {
        const schedule = compile(profile.schedule, profile.timezone);
        let periodMs = periods.get(schedule);
        if (periodMs === undefined) {
          periodMs = periodOf(schedule);
          periods.set(schedule, periodMs);
        }
        this.#deadlines.set(profile.name, deadlineOf(profile, schedule, periodMs));
      }
    }
    const statuses = await readStatuses(
      config.stateDir,
      profiles.map((p) => p.name),
    );
    for (const profile of profiles) this.#record(profile, statuses.get(profile.name) ?? {});
  }

  /** Re-reads one profile's status file (after a run). */
  async update(name: string): Promise<void> {
    const profile = this.#config.profiles[name];
    if (!profile) return;
    this.#record(profile, await readStatus(this.#config.stateDir, name));
  }

  #record(profile: ProfileConfig, status: ProfileStatus): void {
    const name = profile.name;
    this.#states.set(name, {
      name,
      scheduled: profile.schedule !== undefined,
      lastSuccessAt: timeOf(status.lastSuccessAt),
      refreshTokenIssuedAt:
        profile.flow === "refresh-token" ? timeOf(status.refreshTokenIssuedAt) : undefined,
      inactivityMs: inactivityDaysOf(profile) * DAY_MS,
      needsConsent: status.needsConsent === true,
      failing: status.lastError !== undefined && status.needsConsent !== true,
    });
  }

  get states(): ProfileState[] {
    return [...this.#states.values()];
  }

  /**
   * Scheduled profiles whose last success is older than their last due run (plus a grace of one
   * schedule period, at most 15 minutes, for retries): `/readyz` fails while any exists.
   */
  lateProfiles(now = Date.now()): string[] {
    const late: string[] = [];
    for (const [name, deadline] of this.#deadlines) {
      const due = deadline.schedule.atOrBefore(new Date(now - deadline.offsetMs - deadline.graceMs));
      if (!due) continue;
      const lastSuccess = this.#states.get(name)?.lastSuccessAt ?? Number.NEGATIVE_INFINITY;
      if (lastSuccess < due.getTime() + deadline.offsetMs) late.push(name);
    }
    return late;
  }

  /** "3 profiles ok, 1 needs consent, next refresh 2026-03-10 03:00:00" for systemd's STATUS=. */
  summary(nextRefresh: Date | null): string {
    let ok = 0;
    let consent = 0;
    let failing = 0;
    let never = 0;
    for (const state of this.#states.values()) {
      if (state.needsConsent) consent++;
      else if (state.failing) failing++;
      else if (state.lastSuccessAt === undefined) never++;
      else ok++;
    }
    const parts = [`${ok} ${ok === 1 ? "profile" : "profiles"} ok`];
    if (consent > 0) parts.push(`${consent} ${consent === 1 ? "needs" : "need"} consent`);
    if (failing > 0) parts.push(`${failing} failing`);
    if (never > 0) parts.push(`${never} not refreshed yet`);
    if (nextRefresh) parts.push(`next refresh ${localTime(nextRefresh)}`);
    return parts.join(", ");
  }
}

/** The gap between the schedule's next two runs; computed once per schedule, not per profile. */
function periodOf(schedule: CompiledSchedule): number {
  const first = schedule.after(new Date());
  const second = first && schedule.after(first);
  return first && second ? second.getTime() - first.getTime() : MAX_GRACE_MS;
}

function deadlineOf(profile: ProfileConfig, schedule: CompiledSchedule, periodMs: number): Deadline {
  return {
    schedule,
    offsetMs: jitterOffsetMs(profile.name, jitterWindowMs(profile)),
    graceMs: Math.min(periodMs, MAX_GRACE_MS),
  };
}

function inactivityDaysOf(profile: ProfileConfig): number {
  const days = (profile as { inactivityDays?: unknown }).inactivityDays;
  return typeof days === "number" && days > 0 ? days : DEFAULT_INACTIVITY_DAYS;
}

function timeOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : time;
}

/** Local wall-clock time, "2026-03-10 03:00:00" (what an operator compares with their clock). */
function localTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
