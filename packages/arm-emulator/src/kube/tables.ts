/**
 * Server-side printing (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), which `kubectl get` asks for: the
 * columns kubectl shows for nodes, pods and daemonsets. Other resources, and watches, are answered as plain objects
 * (kubectl falls back to printing them itself).
 */

type Obj = Record<string, unknown>;

/** Whether the client asked for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** kubectl's short age ("42s", "3m10s", "25m", "5h3m", "20h", "4d"). */
export function age(sinceMs: number, now: number): string {
  const s = Math.max(0, Math.floor((now - sinceMs) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 > 0 ? `${s % 60}s` : ""}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 > 0 ? `${m % 60}m` : ""}`;
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

const column = (name: string, type = "string", format = ""): Obj => ({ name, type, format, description: name, priority: 0 });

function meta(o: Obj): Obj {
  return (o.metadata ?? {}) as Obj;
}

function created(o: Obj): number {
  return Date.parse(String(meta(o).creationTimestamp ?? "")) || Date.now();
}

function row(o: Obj, cells: unknown[]): Obj {
  const m = meta(o);
  return { cells, object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: { name: m.name, ...(m.namespace ? { namespace: m.namespace } : {}), uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp, labels: m.labels } } };
}

/** The Table of a list (or single object) of nodes, pods or daemonsets; undefined for other kinds. */
export function toTable(body: unknown, now: number): Obj | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as Obj;
  const items = Array.isArray(b.items) ? (b.items as Obj[]) : [b];
  const kind = String(b.kind ?? "").replace(/List$/, "");
  const resourceVersion = String(meta(b).resourceVersion ?? "");
  let columnDefinitions: Obj[];
  let rows: Obj[];
  switch (kind) {
    case "Node":
      columnDefinitions = [column("Name", "string", "name"), column("Status"), column("Roles"), column("Age"), column("Version")];
      rows = items.map((o) => {
        const status = (o.status ?? {}) as { conditions?: { type: string; status: string }[]; nodeInfo?: { kubeletVersion?: string } };
        const ready = status.conditions?.find((c) => c.type === "Ready")?.status === "True" ? "Ready" : "NotReady";
        return row(o, [meta(o).name, ready, "<none>", age(created(o), now), status.nodeInfo?.kubeletVersion ?? ""]);
      });
      break;
    case "Pod":
      columnDefinitions = [column("Name", "string", "name"), column("Ready"), column("Status"), column("Restarts", "string"), column("Age")];
      rows = items.map((o) => {
        const cs = (((o.status ?? {}) as Obj).containerStatuses ?? []) as { ready: boolean; restartCount: number; state: Record<string, { reason?: string }> }[];
        const ready = cs.filter((c) => c.ready).length;
        const waiting = cs.find((c) => c.state.waiting)?.state.waiting?.reason;
        return row(o, [meta(o).name, `${ready}/${cs.length}`, waiting ?? "Running", String(cs.reduce((n, c) => n + c.restartCount, 0)), age(created(o), now)]);
      });
      break;
    case "DaemonSet":
      columnDefinitions = ["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"].map((n, i) => column(n, i >= 1 && i <= 5 ? "integer" : "string", i === 0 ? "name" : ""));
      rows = items.map((o) => {
        const s = (o.status ?? {}) as Record<string, number>;
        const selector = ((((o.spec as Obj).template as Obj).spec as Obj).nodeSelector ?? {}) as Record<string, string>;
        return row(o, [meta(o).name, s.desiredNumberScheduled, s.currentNumberScheduled, s.numberReady, s.updatedNumberScheduled, s.numberAvailable, Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(",") || "<none>", age(created(o), now)]);
      });
      break;
    default:
      return undefined;
  }
  return { kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion }, columnDefinitions, rows };
}
