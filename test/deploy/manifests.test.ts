import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { stopPlan } from '../../src/config/stop-plan.js';
import { serverBin } from '../support/supervise.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPLOY = path.join(ROOT, 'docker', 'deploy');
/** What the manifests deploy: this project's image at the version being released (docs/deploy.md). */
const IMAGE = `ghcr.io/datasance/iofog-nats:${(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`;
type Doc = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

function docs(file: string): Doc[] {
  return parseAllDocuments(readFileSync(path.join(DEPLOY, file), 'utf8')).map((d) => d.toJS() as Doc);
}

/** Validates one manifest against the Kubernetes API's schema for its kind; throws naming what is wrong. */
function validate(doc: Doc): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc as never).validate();
}

const k8s = docs('kubernetes/iofog-nats.yaml');
const byKind = (kind: string): Doc => k8s.find((d) => d.kind === kind)!;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const statefulSet = byKind('StatefulSet') as any;
const container = statefulSet.spec.template.spec.containers[0];

describe('the Kubernetes manifests', () => {
  it('when validated against the Kubernetes API schemas then every document passes', () => {
    assert.deepEqual(k8s.map((d) => d.kind).sort(), ['ConfigMap', 'PodDisruptionBudget', 'Secret', 'Secret', 'Service', 'Service', 'StatefulSet']);
    for (const doc of k8s) assert.doesNotThrow(() => validate(doc), `${doc.kind} ${doc.metadata.name}`);
  });

  it("when deployed then it runs this project's image at the pinned version of this release", () => {
    assert.equal(container.image, IMAGE);
  });

  it('when a field has the wrong type then the validator rejects it', () => {
    const broken = structuredClone(statefulSet);
    broken.spec.replicas = 'three';
    assert.throws(() => validate(broken));
  });

  it('when the pod starts then it runs as uid 10000, non-root, on a read-only root fs', () => {
    const pod = statefulSet.spec.template.spec;
    assert.equal(pod.securityContext.runAsUser, 10000);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    const mounts = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    for (const dir of ['/etc/nats/config', '/home/runner/data', '/home/runner/nats/jwt', '/tmp']) assert.ok(mounts.includes(dir), dir);
  });

  it('when the members take the restart lease then they use an account of their own, whose password only they are given', () => {
    const data = (byKind('ConfigMap') as unknown as { data: Record<string, string> }).data;
    assert.match(data['accounts.conf'] ?? '', /IOFOG_NATS: \{ jetstream: enabled, users: \[ \{ user: iofog-nats, password: \$LEASE_PASSWORD \} \] \}/);
    const url = container.env.find((e: { name: string }) => e.name === 'NATS_CLIENT_URL')?.value;
    assert.equal(url, 'nats://iofog-nats:$(LEASE_PASSWORD)@127.0.0.1:4222');
    const lease = container.env.find((e: { name: string }) => e.name === 'LEASE_PASSWORD');
    assert.equal(lease.valueFrom.secretKeyRef.name, 'iofog-nats-lease');
  });

  it('when the pod is stopped then the supervisor plans its whole stop inside the grace period the pod gives, which the env states', () => {
    const env = (name: string) => container.env.find((e: { name: string }) => e.name === name)?.value as string | undefined;
    const grace = statefulSet.spec.template.spec.terminationGracePeriodSeconds;
    assert.equal(Number(env('NATS_STOP_GRACE_SECONDS')), grace);
    const data = (byKind('ConfigMap') as unknown as { data: Record<string, string> }).data;
    const seconds = (key: string) => Number(new RegExp(`${key}: (\\d+)s`).exec(data['server.conf'] ?? '')?.[1]) * 1000;
    const plan = stopPlan(
      { shutdown: null, stopGraceSeconds: grace, stopTimeoutSeconds: null, leaveTimeoutSeconds: null },
      { clustered: true, error: null, lameDuck: { graceMs: seconds('lame_duck_grace_period'), durationMs: seconds('lame_duck_duration') } },
    );
    assert.ok(plan.leaveTimeoutSeconds + plan.signalSeconds + plan.finalSeconds < grace);
    assert.equal(env('NATS_LEAVE_TIMEOUT_SECONDS'), undefined);
    assert.equal(env('NATS_STOP_TIMEOUT_SECONDS'), undefined);
  });

  it('when probed then startup and readiness ask the supervisor (caught up) and liveness asks nats-server what the NATS Helm chart asks', () => {
    for (const probe of [container.startupProbe, container.readinessProbe]) {
      assert.deepEqual(probe.exec.command, ['curl', '-fsS', '-o', '/dev/null', 'http://127.0.0.1:8223/healthz']);
    }
    assert.equal(container.livenessProbe.httpGet.path, '/healthz?js-enabled-only=true');
  });

  it("when the ConfigMap's server config is given to nats-server then it is valid", () => {
    const data = (byKind('ConfigMap') as unknown as { data: Record<string, string> }).data;
    const dir = mkdtempSync(path.join(tmpdir(), 'iofog-nats-manifest-'));
    try {
      for (const [name, text] of Object.entries(data)) writeFileSync(path.join(dir, name), text.replaceAll('/home/runner/data', path.join(dir, 'data')));
      const bin = serverBin();
      execFileSync(bin, ['-t', '-c', path.join(dir, 'server.conf')], {
        cwd: dir,
        env: { ...process.env, POD_NAME: 'iofog-nats-0', APP_PASSWORD: 'x', LEASE_PASSWORD: 'y' },
        stdio: 'pipe',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the PoT microservice example', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const [ms] = docs('pot/microservice.yaml') as any[];

  it("when deployed then every architecture runs this project's image at the pinned version of this release", () => {
    assert.deepEqual(ms.spec.images, { x86: IMAGE, arm: IMAGE, registry: 'remote' });
  });

  it('when deployed then it mounts what the PoT Controller mounts, where the image expects it', () => {
    const volumes = Object.fromEntries(
      ms.spec.container.volumes.map((v: { containerDestination: string; accessMode: string }) => [v.containerDestination, v.accessMode]),
    );
    assert.deepEqual(volumes, {
      '/home/runner/data': 'rw',
      '/etc/nats/config': 'ro',
      '/tmp/nats/jwt': 'rw',
      '/etc/nats/certs/server': 'ro',
      '/etc/nats/creds': 'ro',
    });
    const env = ms.spec.container.env.map((e: { key: string }) => e.key);
    for (const name of [
      'NATS_CONF',
      'NATS_SERVER_MODE',
      'NATS_JWT_DIR',
      'NATS_JWT_MOUNT_DIR',
      'NATS_CREDS_DIR',
      'NATS_SYS_USER_CRED_PATH',
      'NATS_MONITOR_PORT',
      'NATS_JETSTREAM_STORE_DIR',
    ]) {
      assert.ok(env.includes(name), name);
    }
    assert.deepEqual(ms.spec.container.healthCheck.test, ['CMD-SHELL', "curl -f http://localhost:8222/healthz | grep -q 'status.*ok'"]);
  });

  it("when the agent stops it then the supervisor plans its stop inside Docker's 10 s stop timeout", () => {
    const grace = ms.spec.container.env.find((e: { key: string }) => e.key === 'NATS_STOP_GRACE_SECONDS')?.value;
    assert.equal(grace, '10');
  });
});
