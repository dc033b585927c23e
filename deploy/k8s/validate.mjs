#!/usr/bin/env node
// Offline validation of the Orleans.SpecRag Kubernetes manifests; no cluster needed.
//
//   cd deploy/k8s && npm ci && node validate.mjs            # base and every overlays/* directory
//   node validate.mjs overlays/gpu [/path/to/other/kustomization-dir ...]
//   node validate.mjs --expect=gpu ../../../my-cluster      # a private overlay, checked like overlays/gpu
//
// For each kustomization directory it renders the manifests with `kubectl kustomize` (or `kustomize build`;
// set KUBECTL to choose the binary), validates every object against the Kubernetes OpenAPI schemas bundled in
// the npm package kubernetes-models (types, required fields, formats) and rejects fields that the schema does
// not know (a typo such as `livenesProbe` is otherwise silently dropped by the API server), then checks the
// invariants this service depends on (see the `check*` functions). It prints every violation, one summary line
// per directory, and exits 1 when anything is violated (2 when a directory cannot be rendered at all).

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

// ---- what the service needs ------------------------------------------------------------------------------

const AUTOSCALING_METRIC = 'specrag_drafts_inflight';
const APP_IMAGES = { 'specrag-gateway': 'gateway', 'specrag-silo': 'silo' };
const APP_PROBES = { livenessProbe: '/health/live', readinessProbe: '/health/ready', startupProbe: ['/health/live', '/health/ready'] };
const APP_PROBE_PATHS = ['/health/live', '/health/ready'];
const VLLM_PROBE_PATHS = ['/health'];
const ORLEANS_POD_ENV = { POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace', POD_IP: 'status.podIP' };
const ORLEANS_LABELS = { 'orleans/serviceId': 'ORLEANS_SERVICE_ID', 'orleans/clusterId': 'ORLEANS_CLUSTER_ID' };
const ORLEANS_POD_VERBS = ['get', 'list', 'watch', 'patch', 'delete'];
const GPU = 'nvidia.com/gpu';
const MIN_SILO_GRACE_SECONDS = 60;
const PLACEHOLDER = /REPLACE_ME/;

// Extra expectations of an overlay, by directory name (or --expect=NAME for every directory given).
const EXPECTATIONS = {
  dev: { noGpu: true, backends: 'extractive', azurite: true, noPlaceholders: true },
  gpu: { gpuOnDrafters: true, vllmSidecar: true, hpa: true, backends: 'openai' },
};

// ---- rendering -------------------------------------------------------------------------------------------

function render(dir) {
  const candidates = process.env.KUBECTL
    ? [[process.env.KUBECTL, ['kustomize', dir]]]
    : [['kubectl', ['kustomize', dir]], ['kustomize', ['build', dir]]];
  let lastError;
  for (const [bin, args] of candidates) {
    try {
      return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    } catch (error) {
      if (error.code === 'ENOENT') { lastError = new Error(`${bin} not found`); continue; }
      const reason = (error.stderr || error.message).toString().trim().replace(/^E\d{4} [^\]]*\] "command failed" err=/, '');
      throw new Error(`${bin} ${args.join(' ')} failed: ${reason}`);
    }
  }
  throw new Error(`cannot render ${dir}: ${lastError.message} (install kubectl or kustomize, or set KUBECTL)`);
}

function parseDocuments(text) {
  const objects = YAML.parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
    return doc.toJS();
  }).filter((o) => o && typeof o === 'object');
  // kustomize's secretGenerator wraps long base64 values over several lines; the API server's decoder
  // ignores the line breaks, the schema's "byte" format does not.
  for (const o of objects) {
    if (o.kind !== 'Secret' || !o.data) continue;
    for (const [k, v] of Object.entries(o.data)) if (typeof v === 'string') o.data[k] = v.replace(/[\r\n]/g, '');
  }
  return objects;
}

// ---- schema validation -----------------------------------------------------------------------------------

function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  try {
    return require(`kubernetes-models/${apiVersion}`)[kind];
  } catch {
    return undefined;
  }
}

function schemaErrors(Model, object) {
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [error.message];
  }
}

// The bundled schemas, like Kubernetes' own, allow unknown fields. A field is unknown to the schema when
// replacing its value with something no schema accepts (a Symbol) still validates.
const NOT_A_VALUE = Symbol('not a Kubernetes value');
function unknownFields(Model, object) {
  const unknown = [];
  const walk = (node, at) => {
    if (Array.isArray(node)) { node.forEach((item, i) => walk(item, [...at, i])); return; }
    if (!node || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      const copy = structuredClone(object);
      let parent = copy;
      for (const step of at) parent = parent[step];
      parent[key] = NOT_A_VALUE;
      if (schemaErrors(Model, copy).length === 0) unknown.push([...at, key].join('.'));
      else walk(node[key], [...at, key]);
    }
  };
  walk(object, []);
  return unknown;
}

// ---- helpers ---------------------------------------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function validLabelKey(key) {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.pop();
  const prefix = parts[0];
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}
const validLabelValue = (v) => typeof v === 'string' && v.length <= 63 && (v === '' || LABEL_NAME.test(v));

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const SUFFIX = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
function quantity(q) {
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(String(q));
  if (!m) return NaN;
  return Number(m[1]) * 10 ** Number(m[2] ?? 0) * SUFFIX[m[3] ?? ''];
}

const selectorMatches = (selector, labels) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

function labelSelectorMatches(selector, labels) {
  if (!selector) return false;
  const { matchLabels = {}, matchExpressions = [] } = selector;
  if (!Object.keys(matchLabels).length && !matchExpressions.length) return false;
  if (!Object.entries(matchLabels).every(([k, v]) => labels?.[k] === v)) return false;
  return matchExpressions.every(({ key, operator, values = [] }) => {
    const has = labels && key in labels;
    switch (operator) {
      case 'In': return has && values.includes(labels[key]);
      case 'NotIn': return !has || !values.includes(labels[key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

function imageRepository(image) {
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(0, lastColon) : withoutDigest;
}
const imageName = (image) => imageRepository(image).split('/').pop();
const isVllm = (container) => /(^|\/)vllm-openai$/.test(imageRepository(container.image ?? ''));

function secretValues(secret) {
  const values = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) values[k] = Buffer.from(String(v), 'base64').toString('utf8');
  return Object.assign(values, secret.stringData ?? {});
}

function podTemplate(object) {
  switch (object.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return object.spec?.template;
    case 'CronJob':
      return object.spec?.jobTemplate?.spec?.template;
    case 'Pod':
      return { metadata: object.metadata, spec: object.spec };
    default:
      return undefined;
  }
}

// ---- one rendered directory ------------------------------------------------------------------------------

class Check {
  constructor(label, dir, objects, expect) {
    this.label = label;
    this.dir = dir;
    this.objects = objects;
    this.errors = [];
    this.warnings = [];
    this.checked = 0;
    this.expect = EXPECTATIONS[expect ?? path.basename(dir)] ?? {};
    this.byKind = new Map();
    for (const o of objects) {
      const key = `${o.kind}/${o.metadata?.name}`;
      this.byKind.set(key, o);
    }
    this.pods = objects.flatMap((o) => {
      const t = podTemplate(o);
      return t?.spec ? [this.describePod(o, t)] : [];
    });
  }

  error(where, message) { this.errors.push(`${where}: ${message}`); }
  warn(where, message) { this.warnings.push(`${where}: ${message}`); }
  get(kind, name) { return this.byKind.get(`${kind}/${name}`); }
  ok(condition, where, message) { this.checked++; if (!condition) this.error(where, message); return condition; }

  describePod(object, template) {
    const ref = `${object.kind}/${object.metadata?.name}`;
    const spec = template.spec;
    const containers = [
      ...(spec.initContainers ?? []).map((c) => ({ c, init: true, sidecar: c.restartPolicy === 'Always' })),
      ...(spec.containers ?? []).map((c) => ({ c, init: false, sidecar: false })),
    ];
    const pod = { object, ref, labels: template.metadata?.labels ?? {}, annotations: template.metadata?.annotations ?? {}, spec, containers };
    for (const entry of containers) {
      entry.where = `${ref} container ${entry.c.name}`;
      entry.role = APP_IMAGES[imageName(entry.c.image ?? '')] ?? (isVllm(entry.c) ? 'vllm' : 'other');
      entry.env = this.resolveEnv(entry, pod);
    }
    pod.silo = containers.find((e) => e.role === 'silo');
    pod.gateway = containers.find((e) => e.role === 'gateway');
    pod.roles = pod.silo ? String(pod.silo.env.get('SpecRag__Roles')?.value ?? 'drafter,verifier').split(',').map((r) => r.trim()).filter(Boolean) : [];
    pod.isDrafter = pod.roles.includes('drafter');
    return pod;
  }

  // Environment as the kubelet builds it: envFrom first, then env entries (which win).
  resolveEnv(entry, pod) {
    const env = new Map();
    const c = entry.c;
    for (const from of c.envFrom ?? []) {
      const prefix = from.prefix ?? '';
      const ref = from.configMapRef ?? from.secretRef;
      const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
      const source = this.get(kind, ref?.name);
      if (!source) {
        if (!ref?.optional) this.error(entry.where, `envFrom ${kind} "${ref?.name}" is not in the rendered manifests`);
        continue;
      }
      const data = kind === 'ConfigMap' ? source.data ?? {} : secretValues(source);
      for (const [k, v] of Object.entries(data)) env.set(prefix + k, { value: v, from: `${kind}/${ref.name}` });
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom === undefined) { env.set(e.name, { value: e.value ?? '', from: 'value' }); continue; }
      const { configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef } = e.valueFrom;
      if (configMapKeyRef || secretKeyRef) {
        const kind = configMapKeyRef ? 'ConfigMap' : 'Secret';
        const ref = configMapKeyRef ?? secretKeyRef;
        const source = this.get(kind, ref.name);
        const data = source && (kind === 'ConfigMap' ? source.data ?? {} : secretValues(source));
        if (!data || !(ref.key in data)) {
          if (!ref.optional) this.error(entry.where, `env ${e.name} refers to ${kind} "${ref.name}" key "${ref.key}", which is not in the rendered manifests`);
          continue;
        }
        env.set(e.name, { value: data[ref.key], from: `${kind}/${ref.name}:${ref.key}` });
      } else if (fieldRef) {
        const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldRef.fieldPath);
        env.set(e.name, { value: label ? pod.labels[label[1]] : undefined, fieldPath: fieldRef.fieldPath, from: 'fieldRef' });
      } else if (resourceFieldRef) {
        env.set(e.name, { value: undefined, from: 'resourceFieldRef' });
      }
    }
    return env;
  }

  run() {
    this.checkSchemas();
    this.checkMetadata();
    this.checkReferences();
    this.checkWorkloads();
    this.checkContainers();
    this.checkProbes();
    this.checkSecurity();
    this.checkGpu();
    this.checkOrleans();
    this.checkRbac();
    this.checkVllm();
    this.checkServicesAndIngress();
    this.checkAutoscaler();
    this.checkSecrets();
    this.checkExpectations();
    return this;
  }

  // Every object against the Kubernetes OpenAPI schema, unknown fields rejected.
  checkSchemas() {
    for (const o of this.objects) {
      const where = `${o.kind}/${o.metadata?.name}`;
      const Model = modelClass(o.apiVersion, o.kind);
      if (!this.ok(Model, where, `no Kubernetes schema for apiVersion "${o.apiVersion}" kind "${o.kind}"`)) continue;
      const errors = schemaErrors(Model, o);
      this.checked++;
      if (errors.length) { for (const e of errors) this.error(where, `schema: ${e}`); continue; }
      for (const field of unknownFields(Model, o)) this.error(where, `schema: unknown field "${field}"`);
    }
  }

  checkMetadata() {
    const namespaces = this.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'StorageClass', 'IngressClass', 'APIService', 'CustomResourceDefinition', 'PersistentVolume']);
    for (const o of this.objects) {
      const where = `${o.kind}/${o.metadata?.name}`;
      const name = o.metadata?.name ?? '';
      this.ok(name.length <= 253 && DNS_SUBDOMAIN.test(name), where, `name "${name}" is not a valid DNS-1123 subdomain`);
      if (['Service', 'Namespace'].includes(o.kind)) this.ok(name.length <= 63 && DNS_LABEL.test(name), where, `name "${name}" must be a DNS-1123 label`);
      if (!clusterScoped.has(o.kind) && namespaces.length === 1) {
        this.ok(o.metadata?.namespace === namespaces[0], where, `namespace "${o.metadata?.namespace}" is not "${namespaces[0]}", the rendered Namespace`);
      }
      const labelSets = [o.metadata?.labels, podTemplate(o)?.metadata?.labels];
      for (const labels of labelSets) {
        for (const [k, v] of Object.entries(labels ?? {})) {
          this.ok(validLabelKey(k), where, `label key "${k}" is invalid`);
          this.ok(validLabelValue(v), where, `label ${k}="${v}" has an invalid value`);
        }
      }
    }
  }

  // Volumes of ConfigMaps, Secrets and claims must exist in the rendered output.
  checkReferences() {
    for (const pod of this.pods) {
      for (const v of pod.spec.volumes ?? []) {
        if (v.configMap && !v.configMap.optional) this.ok(this.get('ConfigMap', v.configMap.name), pod.ref, `volume ${v.name}: ConfigMap "${v.configMap.name}" is not in the rendered manifests`);
        if (v.secret && !v.secret.optional) this.ok(this.get('Secret', v.secret.secretName), pod.ref, `volume ${v.name}: Secret "${v.secret.secretName}" is not in the rendered manifests`);
        if (v.persistentVolumeClaim) this.ok(this.get('PersistentVolumeClaim', v.persistentVolumeClaim.claimName), pod.ref, `volume ${v.name}: PersistentVolumeClaim "${v.persistentVolumeClaim.claimName}" is not in the rendered manifests`);
      }
      const volumes = new Set((pod.spec.volumes ?? []).map((v) => v.name));
      for (const { c, where } of pod.containers) {
        for (const m of c.volumeMounts ?? []) this.ok(volumes.has(m.name), where, `mounts volume "${m.name}", which the pod does not define`);
      }
      const sa = pod.spec.serviceAccountName;
      if (sa && sa !== 'default') this.ok(this.get('ServiceAccount', sa), pod.ref, `ServiceAccount "${sa}" is not in the rendered manifests`);
    }
  }

  // Selectors match their templates; every Deployment has exactly one PodDisruptionBudget.
  checkWorkloads() {
    const pdbs = this.objects.filter((o) => o.kind === 'PodDisruptionBudget');
    for (const pod of this.pods) {
      const { object } = pod;
      if (object.spec?.selector) this.ok(labelSelectorMatches(object.spec.selector, pod.labels), pod.ref, 'spec.selector does not match the pod template labels');
      if (object.kind === 'Deployment') {
        const covering = pdbs.filter((p) => labelSelectorMatches(p.spec?.selector, pod.labels));
        this.ok(covering.length === 1, pod.ref, covering.length ? `is covered by ${covering.length} PodDisruptionBudgets (${covering.map((p) => p.metadata.name).join(', ')}); want one` : 'has no PodDisruptionBudget');
      }
      const images = pod.containers.map((e) => e.c.image ?? '');
      for (const image of images) {
        const tagged = image.includes('@') || imageRepository(image) !== image;
        this.ok(tagged && !/:latest$/.test(image), pod.ref, `image "${image}" must be pinned to a tag or digest other than latest`);
      }
    }
    for (const p of pdbs) {
      this.ok(this.pods.some((pod) => labelSelectorMatches(p.spec?.selector, pod.labels)), `PodDisruptionBudget/${p.metadata.name}`, 'selects no pod template');
    }
    this.checkHighAvailability(pdbs);
  }

  // No single process may stop every query: queries, verification and shards live on verifier silos with client
  // gateways, so at least two of them run, and a disruption budget lets only one of them go at a time.
  checkHighAvailability(pdbs) {
    if (!this.pods.some((pod) => pod.silo)) return;
    const hosting = this.pods.filter((pod) => pod.silo && pod.roles.includes('verifier')
      && Number(pod.silo.env.get('Orleans__Endpoints__GatewayPort')?.value ?? 30000) !== 0);
    // A replica count owned by an autoscaler is its minimum.
    const replicasOf = (object) => object.spec?.replicas ?? this.objects.find((o) => o.kind === 'HorizontalPodAutoscaler'
      && o.spec?.scaleTargetRef?.kind === object.kind && o.spec?.scaleTargetRef?.name === object.metadata?.name)?.spec?.minReplicas ?? 1;
    const replicas = hosting.reduce((sum, pod) => sum + replicasOf(pod.object), 0);
    this.ok(replicas >= 2, 'HA', `${replicas} verifier silo(s) with a client gateway; at least 2 are needed so that losing one stops no query`);
    // An absolute count, or a percentage of the replicas rounded as Kubernetes does (minAvailable up, maxUnavailable up).
    const count = (value, n) => typeof value === 'string' && value.endsWith('%') ? Math.ceil(n * Number(value.slice(0, -1)) / 100) : Number(value);
    for (const pod of hosting) {
      const n = replicasOf(pod.object);
      for (const p of pdbs.filter((b) => labelSelectorMatches(b.spec?.selector, pod.labels))) {
        const { maxUnavailable, minAvailable } = p.spec ?? {};
        const keeps = minAvailable !== undefined ? count(minAvailable, n) >= 1 : maxUnavailable !== undefined && count(maxUnavailable, n) < Math.max(n, 2);
        this.ok(keeps, `PodDisruptionBudget/${p.metadata.name}`, 'must keep at least one verifier silo up during a voluntary disruption');
      }
    }
  }

  // Requests and limits (cpu and memory) on every container; requests never above limits.
  checkContainers() {
    for (const pod of this.pods) {
      for (const { c, where } of pod.containers) {
        const { requests = {}, limits = {} } = c.resources ?? {};
        for (const r of ['cpu', 'memory']) {
          this.ok(requests[r] !== undefined, where, `has no resources.requests.${r}`);
          this.ok(limits[r] !== undefined, where, `has no resources.limits.${r}`);
        }
        for (const [r, value] of Object.entries(requests)) {
          if (limits[r] === undefined) continue;
          const [q, l] = [quantity(value), quantity(limits[r])];
          this.ok(!Number.isNaN(q) && !Number.isNaN(l), where, `resource ${r}: "${value}" / "${limits[r]}" is not a quantity`);
          this.ok(!(q > l), where, `requests.${r} (${value}) exceeds limits.${r} (${limits[r]})`);
        }
        const names = new Set();
        for (const p of c.ports ?? []) {
          if (p.name === undefined) continue;
          this.ok(p.name.length <= 15 && IANA_SVC_NAME.test(p.name) && !p.name.includes('--'), where, `port name "${p.name}" is not a valid IANA service name (15 characters at most)`);
          this.ok(!names.has(p.name), where, `port name "${p.name}" is declared twice`);
          names.add(p.name);
        }
      }
    }
  }

  // Probes of the app on /health/live and /health/ready, vLLM's on /health, always on a declared port.
  checkProbes() {
    for (const pod of this.pods) {
      for (const { c, where, role } of pod.containers) {
        const ports = c.ports ?? [];
        const declared = (port) => ports.some((p) => p.containerPort === port || p.name === port);
        for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
          const probe = c[kind];
          if (!probe) {
            if (role === 'gateway' || role === 'silo') this.error(where, `has no ${kind}`);
            if (role === 'vllm' && kind === 'readinessProbe') this.error(where, 'has no readinessProbe on /health');
            continue;
          }
          this.checked++;
          if (probe.httpGet) {
            const allowed = role === 'vllm' ? VLLM_PROBE_PATHS : APP_PROBE_PATHS;
            this.ok(allowed.includes(probe.httpGet.path), where, `${kind} path "${probe.httpGet.path}" is not one of ${allowed.join(', ')}`);
            this.ok(declared(probe.httpGet.port), where, `${kind} port "${probe.httpGet.port}" is not a declared container port`);
            if (role === 'gateway' || role === 'silo') {
              const expected = [APP_PROBES[kind]].flat();
              this.ok(expected.includes(probe.httpGet.path), where, `${kind} must probe ${expected.join(' or ')}, not "${probe.httpGet.path}"`);
            }
          } else if (probe.tcpSocket) {
            this.ok(role === 'other', where, `${kind} must be an HTTP probe of ${role === 'vllm' ? '/health' : '/health/live or /health/ready'}`);
            this.ok(declared(probe.tcpSocket.port), where, `${kind} port "${probe.tcpSocket.port}" is not a declared container port`);
          } else {
            this.ok(role === 'other', where, `${kind} must be an HTTP probe`);
          }
        }
      }
    }
  }

  // Non-root, no privilege escalation, all capabilities dropped, read-only root filesystem (vLLM excepted).
  checkSecurity() {
    for (const pod of this.pods) {
      const podContext = pod.spec.securityContext ?? {};
      for (const { c, where, role } of pod.containers) {
        const sc = c.securityContext ?? {};
        const nonRoot = sc.runAsNonRoot ?? podContext.runAsNonRoot;
        const uid = sc.runAsUser ?? podContext.runAsUser;
        this.ok(nonRoot === true, where, 'must run with runAsNonRoot: true');
        this.ok(uid === undefined || uid !== 0, where, 'runs as uid 0');
        this.ok(sc.allowPrivilegeEscalation === false, where, 'must set allowPrivilegeEscalation: false');
        this.ok((sc.capabilities?.drop ?? []).includes('ALL'), where, 'must drop ALL capabilities');
        this.ok(!sc.privileged, where, 'must not be privileged');
        if (role !== 'vllm') this.ok(sc.readOnlyRootFilesystem === true, where, 'must set readOnlyRootFilesystem: true');
        if (role === 'gateway' || role === 'silo') {
          const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
          const volume = tmp && (pod.spec.volumes ?? []).find((v) => v.name === tmp.name);
          this.ok(volume?.emptyDir && !tmp.readOnly, where, 'needs a writable emptyDir on /tmp (the root filesystem is read-only)');
        }
      }
      const seccomp = podContext.seccompProfile?.type;
      this.ok(seccomp === 'RuntimeDefault' || seccomp === 'Localhost', pod.ref, 'pod must set seccompProfile RuntimeDefault');
    }
  }

  // GPUs only on drafter pods, which must then tolerate the GPU taint.
  checkGpu() {
    for (const pod of this.pods) {
      let requested = false;
      for (const { c, where } of pod.containers) {
        const { requests = {}, limits = {} } = c.resources ?? {};
        if (!(GPU in requests) && !(GPU in limits)) continue;
        requested = true;
        this.ok(pod.isDrafter, where, `requests ${GPU}, but only drafter pods may (roles of this pod: ${pod.roles.join(',') || 'none, not a silo'})`);
        this.ok(limits[GPU] !== undefined, where, `${GPU} must be set in limits`);
        if (requests[GPU] !== undefined && limits[GPU] !== undefined) this.ok(quantity(requests[GPU]) === quantity(limits[GPU]), where, `${GPU} request and limit must be equal`);
      }
      if (requested) {
        this.ok((pod.spec.tolerations ?? []).some((t) => t.key === GPU && (t.operator === 'Exists' || t.value !== undefined)), pod.ref, `requests ${GPU} but does not tolerate the ${GPU} taint`);
        const selector = pod.spec.nodeSelector ?? {};
        this.ok(Object.keys(selector).some((k) => k.startsWith('nvidia.com/')) || pod.spec.affinity?.nodeAffinity, pod.ref, `requests ${GPU} but has no GPU nodeSelector or node affinity`);
      }
      pod.gpu = requested;
    }
  }

  // Orleans Kubernetes hosting on every silo pod; the gateway (a client) uses the same cluster and service ids.
  checkOrleans() {
    const identities = new Set();
    let clientGateways = 0;
    for (const pod of this.pods) {
      if (pod.silo) {
        const { env, where } = pod.silo;
        for (const [name, fieldPath] of Object.entries(ORLEANS_POD_ENV)) {
          const v = env.get(name);
          this.ok(v?.fieldPath === fieldPath, where, v ? `env ${name} must come from fieldRef ${fieldPath} (has ${v.fieldPath ?? v.from})` : `has no env ${name} (fieldRef ${fieldPath})`);
        }
        for (const [label, name] of Object.entries(ORLEANS_LABELS)) {
          const value = env.get(name)?.value;
          if (!this.ok(value, where, `has no env ${name}`)) continue;
          this.ok(pod.labels[label] !== undefined, pod.ref, `silo pod template has no label ${label}`);
          if (pod.labels[label] !== undefined) this.ok(pod.labels[label] === value, pod.ref, `label ${label}="${pod.labels[label]}" differs from env ${name}="${value}"`);
        }
        for (const [appKey, envName] of [['Orleans__ClusterId', 'ORLEANS_CLUSTER_ID'], ['Orleans__ServiceId', 'ORLEANS_SERVICE_ID']]) {
          const a = env.get(appKey)?.value;
          if (a !== undefined) this.ok(a === env.get(envName)?.value, where, `${appKey}="${a}" differs from ${envName}="${env.get(envName)?.value}"`);
        }
        const roles = pod.roles;
        this.ok(roles.length > 0 && roles.every((r) => r === 'drafter' || r === 'verifier'), where, `SpecRag__Roles "${roles.join(',')}" must be drafter, verifier or drafter,verifier`);
        const component = pod.labels['app.kubernetes.io/component'];
        if (component === 'drafter' || component === 'verifier') this.ok(roles.includes(component), pod.ref, `is labelled component ${component} but has roles ${roles.join(',')}`);
        const ports = new Set((pod.silo.c.ports ?? []).map((p) => p.containerPort));
        for (const [key, fallback] of [['Orleans__Endpoints__SiloPort', 11111], ['Orleans__Endpoints__GatewayPort', 30000]]) {
          const port = Number(env.get(key)?.value ?? fallback);
          if (port !== 0) this.ok(ports.has(port), where, `${key}=${port} is not a declared container port`);
        }
        // Drafter-only silos come and go with autoscaling: clients must not hold connections to them.
        const gatewayPort = Number(env.get('Orleans__Endpoints__GatewayPort')?.value ?? 30000);
        if (roles.length === 1 && roles[0] === 'drafter') this.ok(gatewayPort === 0, where, `drafter-only silos must open no client gateway (Orleans__Endpoints__GatewayPort=0), has ${gatewayPort}`);
        else if (gatewayPort !== 0) clientGateways++;
        const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
        this.ok(grace >= MIN_SILO_GRACE_SECONDS, pod.ref, `terminationGracePeriodSeconds ${grace} is too short for a graceful silo shutdown (want >= ${MIN_SILO_GRACE_SECONDS})`);
        identities.add(`${env.get('ORLEANS_SERVICE_ID')?.value}/${env.get('ORLEANS_CLUSTER_ID')?.value}`);
      } else {
        for (const label of Object.keys(ORLEANS_LABELS)) {
          this.ok(pod.labels[label] === undefined, pod.ref, `is not a silo but carries label ${label}; the Orleans Kubernetes agent treats such pods as silos`);
        }
      }
      if (pod.gateway) {
        const { env, where } = pod.gateway;
        for (const name of ['ORLEANS_SERVICE_ID', 'ORLEANS_CLUSTER_ID']) this.ok(env.get(name)?.value, where, `has no env ${name}`);
        identities.add(`${env.get('ORLEANS_SERVICE_ID')?.value}/${env.get('ORLEANS_CLUSTER_ID')?.value}`);
      }
      for (const entry of [pod.silo, pod.gateway].filter(Boolean)) {
        const shutdown = entry.env.get('DOTNET_SHUTDOWNTIMEOUTSECONDS')?.value;
        const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
        if (shutdown !== undefined) this.ok(Number(shutdown) < grace, entry.where, `DOTNET_SHUTDOWNTIMEOUTSECONDS=${shutdown} must be below terminationGracePeriodSeconds ${grace}`);
      }
    }
    this.ok(identities.size <= 1, 'Orleans', `silos and gateway disagree on serviceId/clusterId: ${[...identities].join(' vs ')}`);
    if (this.pods.some((p) => p.gateway) && this.pods.some((p) => p.silo)) {
      this.ok(clientGateways > 0, 'Orleans', 'no silo pool opens a client gateway port, so the gateway (an Orleans client) cannot connect');
    }
  }

  // The silos' ServiceAccount may get, list, watch, patch and delete pods.
  checkRbac() {
    for (const pod of this.pods.filter((p) => p.silo)) {
      const sa = pod.spec.serviceAccountName ?? 'default';
      const account = this.get('ServiceAccount', sa);
      const automount = pod.spec.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
      this.ok(automount !== false, pod.ref, 'silo pods need their ServiceAccount token (Orleans Kubernetes hosting calls the API)');
      const verbs = new Set();
      for (const binding of this.objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
        const bound = (binding.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === sa && (s.namespace ?? binding.metadata.namespace) === pod.object.metadata.namespace);
        if (!bound) continue;
        const role = this.get(binding.roleRef.kind, binding.roleRef.name);
        this.ok(role, `${binding.kind}/${binding.metadata.name}`, `refers to ${binding.roleRef.kind} "${binding.roleRef.name}", which is not in the rendered manifests`);
        for (const rule of role?.rules ?? []) {
          const core = (rule.apiGroups ?? []).some((g) => g === '' || g === '*');
          const pods = (rule.resources ?? []).some((r) => r === 'pods' || r === '*');
          if (core && pods && !rule.resourceNames?.length) for (const v of rule.verbs ?? []) verbs.add(v);
        }
      }
      const missing = verbs.has('*') ? [] : ORLEANS_POD_VERBS.filter((v) => !verbs.has(v));
      this.ok(missing.length === 0, pod.ref, `ServiceAccount "${sa}" lacks ${missing.join(', ')} on pods (Orleans Kubernetes hosting needs ${ORLEANS_POD_VERBS.join(', ')})`);
    }
  }

  // A vLLM sidecar serves the drafter model the silo of its pod asks for, on the port the silo calls.
  checkVllm() {
    for (const pod of this.pods) {
      const vllm = pod.containers.find((e) => e.role === 'vllm');
      if (!vllm) continue;
      if (!this.ok(pod.silo && pod.isDrafter, pod.ref, 'runs vLLM but is not a drafter silo pod')) continue;
      this.ok(vllm.init ? vllm.sidecar : true, vllm.where, 'is an init container without restartPolicy: Always, so it would never serve');
      const args = [...(vllm.c.command ?? []), ...(vllm.c.args ?? [])];
      const flag = (name) => {
        const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
        if (i < 0) return undefined;
        return args[i].includes('=') ? args[i].slice(name.length + 1) : args[i + 1];
      };
      const serve = args.indexOf('serve');
      const positional = serve >= 0 && args[serve + 1] && !args[serve + 1].startsWith('-') ? args[serve + 1] : undefined;
      const served = flag('--served-model-name') ?? positional ?? flag('--model');
      const port = Number(flag('--port') ?? 8000);
      this.ok((vllm.c.ports ?? []).some((p) => p.containerPort === port), vllm.where, `serves on port ${port}, which it does not declare`);
      const env = pod.silo.env;
      this.ok(env.get('SpecRag__Drafter__Backend')?.value === 'openai', pod.silo.where, 'has a vLLM sidecar but SpecRag__Drafter__Backend is not openai');
      const endpoint = env.get('SpecRag__Drafter__Endpoint')?.value;
      this.ok(endpoint === `http://127.0.0.1:${port}/v1` || endpoint === `http://localhost:${port}/v1`, pod.silo.where, `SpecRag__Drafter__Endpoint "${endpoint}" is not the sidecar (http://127.0.0.1:${port}/v1)`);
      this.ok(served && env.get('SpecRag__Drafter__Model')?.value === served, pod.silo.where, `SpecRag__Drafter__Model "${env.get('SpecRag__Drafter__Model')?.value}" is not what vLLM serves ("${served}")`);
      const serverKey = vllm.env.get('VLLM_API_KEY') ?? (flag('--api-key') !== undefined ? { value: flag('--api-key') } : undefined);
      if (serverKey) this.ok(env.get('SpecRag__Drafter__ApiKey')?.value === serverKey.value, pod.silo.where, 'vLLM requires an API key but SpecRag__Drafter__ApiKey does not carry the same one');
    }
  }

  checkServicesAndIngress() {
    for (const svc of this.objects.filter((o) => o.kind === 'Service')) {
      const where = `Service/${svc.metadata.name}`;
      const selector = svc.spec?.selector;
      if (!selector) continue;
      const selected = this.pods.filter((pod) => selectorMatches(selector, pod.labels));
      if (!this.ok(selected.length > 0, where, 'selects no pod template')) continue;
      for (const port of svc.spec.ports ?? []) {
        const target = port.targetPort ?? port.port;
        for (const pod of selected) {
          const found = pod.containers.some(({ c }) => (c.ports ?? []).some((p) => p.name === target || p.containerPort === target));
          this.ok(found, where, `targetPort "${target}" is not a container port of ${pod.ref}`);
        }
      }
    }
    for (const ing of this.objects.filter((o) => o.kind === 'Ingress')) {
      const backends = [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend))].filter((b) => b?.service);
      for (const { service } of backends) {
        const svc = this.get('Service', service.name);
        if (!this.ok(svc, `Ingress/${ing.metadata.name}`, `backend Service "${service.name}" is not in the rendered manifests`)) continue;
        const port = service.port ?? {};
        this.ok((svc.spec.ports ?? []).some((p) => (port.name !== undefined && p.name === port.name) || (port.number !== undefined && p.port === port.number)), `Ingress/${ing.metadata.name}`, `Service "${service.name}" has no port ${port.name ?? port.number}`);
      }
    }
    // Prometheus annotations point at a declared port.
    for (const pod of this.pods) {
      if (pod.annotations['prometheus.io/scrape'] !== 'true') continue;
      const port = Number(pod.annotations['prometheus.io/port']);
      this.ok(pod.containers.some(({ c }) => (c.ports ?? []).some((p) => p.containerPort === port)), pod.ref, `prometheus.io/port "${pod.annotations['prometheus.io/port']}" is not a declared container port`);
      this.ok((pod.annotations['prometheus.io/path'] ?? '/metrics') === '/metrics', pod.ref, 'prometheus.io/path must be /metrics');
    }
  }

  // The drafters scale on specrag_drafts_inflight, served by prometheus-adapter.
  checkAutoscaler() {
    const hpas = this.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
    for (const hpa of hpas) {
      const where = `HorizontalPodAutoscaler/${hpa.metadata.name}`;
      this.ok(hpa.apiVersion === 'autoscaling/v2', where, `apiVersion must be autoscaling/v2, not ${hpa.apiVersion}`);
      const ref = hpa.spec?.scaleTargetRef ?? {};
      const target = this.get(ref.kind, ref.name);
      if (!this.ok(target && ref.kind === 'Deployment', where, `scaleTargetRef ${ref.kind}/${ref.name} is not a Deployment in the rendered manifests`)) continue;
      const pod = this.pods.find((p) => p.object === target);
      this.ok(pod?.isDrafter, where, `scaleTargetRef names ${ref.kind}/${ref.name}, which is not the drafter Deployment`);
      const metrics = hpa.spec.metrics ?? [];
      const metric = metrics.find((m) => m.type === 'Pods' && m.pods?.metric?.name === AUTOSCALING_METRIC);
      if (this.ok(metric, where, `does not scale on the Pods metric ${AUTOSCALING_METRIC} (has ${metrics.map((m) => `${m.type}:${m.pods?.metric?.name ?? m.resource?.name ?? m.external?.metric?.name ?? '?'}`).join(', ') || 'none'})`)) {
        this.ok(metric.pods.target?.type === 'AverageValue' && quantity(metric.pods.target.averageValue) > 0, where, `${AUTOSCALING_METRIC} needs a positive AverageValue target`);
      }
      this.ok((hpa.spec.minReplicas ?? 1) <= hpa.spec.maxReplicas, where, 'minReplicas exceeds maxReplicas');
      this.ok(target.spec?.replicas === undefined, `${ref.kind}/${ref.name}`, 'is scaled by a HorizontalPodAutoscaler but sets spec.replicas, which every apply would reset');
      const rulesFile = path.join(this.dir, 'prometheus-adapter-rules.yaml');
      if (existsSync(rulesFile)) {
        const values = YAML.parse(readFileSync(rulesFile, 'utf8')) ?? {};
        const exposes = (values.rules?.custom ?? []).some((r) => (r.name?.as ?? AUTOSCALING_METRIC) === AUTOSCALING_METRIC && String(r.seriesQuery ?? '').includes(AUTOSCALING_METRIC) && r.resources?.overrides?.pod);
        this.ok(exposes, 'prometheus-adapter-rules.yaml', `has no custom rule that serves ${AUTOSCALING_METRIC} per pod`);
      }
    }
  }

  checkSecrets() {
    for (const secret of this.objects.filter((o) => o.kind === 'Secret')) {
      const placeholders = Object.entries(secretValues(secret)).filter(([, v]) => PLACEHOLDER.test(v)).map(([k]) => k);
      if (!placeholders.length) continue;
      const message = `placeholder values to replace before deploying: ${placeholders.join(', ')}`;
      if (this.expect.noPlaceholders) this.error(`Secret/${secret.metadata.name}`, message);
      else this.warn(`Secret/${secret.metadata.name}`, message);
    }
  }

  checkExpectations() {
    const e = this.expect;
    const silos = this.pods.filter((p) => p.silo);
    const drafters = silos.filter((p) => p.isDrafter);
    if (e.noGpu) for (const pod of this.pods) this.ok(!pod.gpu, pod.ref, 'requests a GPU in a CPU-only overlay');
    if (e.gpuOnDrafters) {
      this.ok(drafters.length > 0, 'overlay', 'has no drafter Deployment');
      for (const pod of drafters) this.ok(pod.gpu, pod.ref, `drafter pods must request ${GPU}`);
    }
    if (e.vllmSidecar) for (const pod of drafters) this.ok(pod.containers.some((c) => c.role === 'vllm'), pod.ref, 'drafter pods must run a vLLM sidecar');
    if (e.hpa) {
      const scaled = this.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((h) => h.spec?.scaleTargetRef?.name);
      for (const pod of drafters) this.ok(scaled.includes(pod.object.metadata.name), pod.ref, 'drafter Deployment has no HorizontalPodAutoscaler');
    }
    if (e.backends) {
      for (const pod of silos) {
        for (const role of pod.roles) {
          const key = role === 'drafter' ? 'SpecRag__Drafter__Backend' : 'SpecRag__Verifier__Backend';
          const backend = pod.silo.env.get(key)?.value ?? 'extractive';
          this.ok(backend === e.backends, pod.silo.where, `${key} is "${backend}"; this overlay uses ${e.backends}`);
          if (backend === 'openai') this.ok(pod.silo.env.get(key.replace('Backend', 'Endpoint'))?.value, pod.silo.where, `${key.replace('Backend', 'Endpoint')} is not set`);
        }
      }
    }
    if (e.azurite) {
      this.ok(this.pods.some((p) => p.containers.some(({ c }) => /azurite$/.test(imageRepository(c.image ?? '')))), 'overlay', 'has no Azurite Deployment');
    }
    // A connection string that names an in-cluster Service must name one that is rendered, with that port.
    for (const pod of this.pods) {
      for (const entry of [pod.silo, pod.gateway].filter(Boolean)) {
        const cs = entry.env.get('ConnectionStrings__AzureStorage')?.value;
        if (!cs || PLACEHOLDER.test(cs)) continue;
        for (const [, url] of cs.matchAll(/(?:Blob|Queue|Table)Endpoint=([^;]+)/g)) {
          let u;
          try { u = new URL(url); } catch { this.error(entry.where, `ConnectionStrings__AzureStorage endpoint "${url}" is not a URL`); continue; }
          const host = u.hostname.split('.');
          if (host.length > 1 && host[1] !== this.objects.find((o) => o.kind === 'Namespace')?.metadata.name && host[2] !== 'svc') continue;
          const svc = this.get('Service', host[0]);
          this.ok(svc && (svc.spec.ports ?? []).some((p) => p.port === Number(u.port)), entry.where, `ConnectionStrings__AzureStorage points at ${u.host}, which is not a rendered Service port`);
        }
      }
    }
  }
}

// ---- main ------------------------------------------------------------------------------------------------

function defaultDirectories() {
  const overlays = path.join(here, 'overlays');
  const dirs = [path.join(here, 'base')];
  if (existsSync(overlays)) {
    for (const name of readdirSync(overlays).sort()) {
      const dir = path.join(overlays, name);
      if (statSync(dir).isDirectory() && existsSync(path.join(dir, 'kustomization.yaml'))) dirs.push(dir);
    }
  }
  return dirs;
}

const argv = process.argv.slice(2);
if (argv.includes('-h') || argv.includes('--help')) {
  console.log(`usage: node validate.mjs [--expect=${Object.keys(EXPECTATIONS).join('|')}] [KUSTOMIZATION_DIR ...]   (default: base and overlays/*)`);
  process.exit(0);
}
const expect = argv.find((a) => a.startsWith('--expect='))?.slice('--expect='.length);
if (expect !== undefined && !(expect in EXPECTATIONS)) {
  console.log(`unknown --expect=${expect}; one of ${Object.keys(EXPECTATIONS).join(', ')}`);
  process.exit(2);
}
const args = argv.filter((a) => !a.startsWith('--expect='));
const dirs = args.length ? args.map((d) => path.resolve(d)) : defaultDirectories();
let failed = false;
let unrenderable = false;
for (const dir of dirs) {
  const rel = path.relative(here, dir);
  const label = rel && !rel.startsWith('..') ? rel : dir;
  let objects;
  try {
    objects = parseDocuments(render(dir));
  } catch (error) {
    console.log(`FAIL ${label}: ${error.message}`);
    failed = unrenderable = true;
    continue;
  }
  const check = new Check(label, dir, objects, expect).run();
  for (const e of check.errors) console.log(`  ✗ ${label}: ${e}`);
  for (const w of check.warnings) console.log(`  ! ${label}: ${w}`);
  const kinds = {};
  for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
  const summary = `${objects.length} objects (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')}), ${check.checked} checks, ${check.errors.length} violations, ${check.warnings.length} warnings`;
  console.log(`${check.errors.length ? 'FAIL' : 'ok  '} ${label}: ${summary}`);
  if (check.errors.length) failed = true;
}
process.exit(unrenderable ? 2 : failed ? 1 : 0);
