// A Prometheus configuration that scrapes model servers (and the operator) on loopback with the labels a
// ServiceMonitor would give their pods, for the demo and the tests: the local control plane runs no
// containers, so Prometheus cannot discover them through Kubernetes.
import { stringify } from 'yaml';

/** A static scrape target with the labels a ServiceMonitor would give it. */
export interface ScrapeJob {
  job: string;
  /** host:port */
  target: string;
  labels?: Record<string, string>;
  /** keep the target's own labels on a clash (the operator's `namespace` label needs it) */
  honorLabels?: boolean;
}

export function scrapeConfig(jobs: readonly ScrapeJob[]): string {
  return stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: jobs.map((j) => ({
      job_name: j.job,
      honor_labels: j.honorLabels ?? false,
      static_configs: [{ targets: [j.target], labels: j.labels ?? {} }],
    })),
  });
}
