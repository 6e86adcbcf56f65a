import autocannon from 'autocannon';
import { cpus } from 'node:os';
import { machineCpuTimes } from './report.js';

/** One load run against a server: a fixed number of requests over persistent connections. */
export interface LoadOptions {
  readonly port: number;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  /** Requests in all; the run ends when every one of them is answered. */
  readonly requests: number;
  /** A fresh body per request. */
  readonly body: () => string;
}

export interface LoadResult {
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Sum of `accepted` over the 2xx answers (Attune's count of stored events; 0 for the floor). */
  readonly accepted: number;
  /** From the first request sent to the last answer received. */
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU the load generator (this process) used, as a share of one core. */
  readonly loadGeneratorCpu: number;
  /** CPU the whole machine used meanwhile, in cores (server, load generator and anything else). */
  readonly machineCpu: number;
  /** The first non-2xx answer, to show what went wrong. */
  readonly firstFailure: string | null;
}

/**
 * Runs autocannon in this process. A fixed request count (not a duration) means no request
 * is in flight when the run ends, so the events stored equal the events acknowledged.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let accepted = 0;
  let firstFailure: string | null = null;
  let lastAnswer = 0;
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineCpuTimes();
  const started = performance.now();
  const instance = autocannon({
    url: `http://127.0.0.1:${options.port.toString()}`,
    connections: options.connections,
    amount: options.requests,
    timeout: 30,
    sampleInt: 100,
    requests: [{
      method: 'POST',
      path: options.path,
      headers: { 'content-type': 'application/json', ...options.headers },
      setupRequest: (request) => ({ ...request, body: options.body() }),
      onResponse: (status, body) => {
        lastAnswer = performance.now();
        if (status >= 200 && status < 300) {
          const match = /"accepted":(\d+)/.exec(body);
          if (match !== null) accepted += Number(match[1]);
        } else firstFailure ??= `${status.toString()} ${body.slice(0, 500)}`;
      },
    }],
  });
  const result = await instance;
  const seconds = ((lastAnswer === 0 ? performance.now() : lastAnswer) - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const machineAfter = machineCpuTimes();
  return {
    requests: result.requests.sent,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    accepted,
    seconds,
    requestsPerSecond: result['2xx'] / seconds,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    loadGeneratorCpu: (cpu.user + cpu.system) / 1000 / 1000 / seconds,
    machineCpu: ((machineAfter.busyMs - machineBefore.busyMs) / (machineAfter.totalMs - machineBefore.totalMs)) * cpus().length,
    firstFailure,
  };
}

export interface PhasedLoadOptions extends Omit<LoadOptions, 'requests'> {
  /** Seconds of warm-up (JIT, caches, connection setup) before the measured run. */
  readonly warmupSeconds: number;
  /** Target length of the measured run. */
  readonly seconds: number;
}

export interface PhasedLoadResult {
  readonly warmup: LoadResult;
  readonly measured: LoadResult;
}

/**
 * A short probe, a warm-up in two halves (each sized from the rate of the phase before, as
 * the server speeds up while it warms), then the measured run sized from the second half's
 * rate to last about `seconds`. Every phase hits the same server.
 */
export async function runPhasedLoad(options: PhasedLoadOptions, beforeMeasured?: () => Promise<void>): Promise<PhasedLoadResult> {
  const sized = (rate: number, seconds: number) => Math.max(options.connections * 4, Math.round(rate * seconds));
  const probe = await runLoad({ ...options, requests: options.connections * 4 });
  const first = await runLoad({ ...options, requests: sized(probe.requestsPerSecond, options.warmupSeconds / 2) });
  const second = await runLoad({ ...options, requests: sized(first.requestsPerSecond, options.warmupSeconds / 2) });
  await beforeMeasured?.();
  const measured = await runLoad({ ...options, requests: sized(second.requestsPerSecond, options.seconds) });
  const total = (key: 'requests' | 'ok' | 'non2xx' | 'errors' | 'accepted') => probe[key] + first[key] + second[key];
  return {
    warmup: { ...second, requests: total('requests'), ok: total('ok'), non2xx: total('non2xx'), errors: total('errors'), accepted: total('accepted') },
    measured,
  };
}
