import type postgres from "postgres";
import type { Message } from "./read-path";

// EXPLAIN for the report: the plan as text (ANALYZE, BUFFERS, no costs, so it reads the
// same run to run) and its shape, the node types of the main plan tree in order, leaving
// out InitPlans and SubPlans (row-level security adds those: one per policy helper, run
// once per statement) and Materialize/Memoize (caches over a node, not a way to find rows).

export interface Plan {
  text: string;
  shape: string[];
  /** sequential scans anywhere in the plan: a cost that grows with the table */
  seqScans: string[];
}

export interface ExplainInput {
  text: string;
  params: unknown[];
  /** statements run first in the same transaction (role and context) */
  setup?: (tx: postgres.TransactionSql) => Promise<unknown>;
  /** run the statement (EXPLAIN ANALYZE); default true */
  analyze?: boolean;
}

/** A setup sending `messages` one at a time, each its own query, as a context's opening does. */
export function eachMessage(messages: Message[]): (tx: postgres.TransactionSql) => Promise<void> {
  return async (tx) => {
    for (const m of messages) await tx.unsafe(m.text, m.params as postgres.ParameterOrJSON<never>[]);
  };
}

export async function explain(sql: postgres.Sql, input: ExplainInput): Promise<Plan> {
  return sql.begin(async (tx) => {
    await input.setup?.(tx);
    const params = input.params as postgres.ParameterOrJSON<never>[];
    const lines = await tx.unsafe<{ "QUERY PLAN": string }[]>(
      `EXPLAIN (${input.analyze === false ? "" : "ANALYZE, BUFFERS, "}COSTS OFF) ${input.text}`,
      params,
    );
    const [json] = await tx.unsafe<{ "QUERY PLAN": unknown }[]>(`EXPLAIN (FORMAT JSON, COSTS OFF) ${input.text}`, params);
    const root = (typeof json!["QUERY PLAN"] === "string" ? JSON.parse(json!["QUERY PLAN"]) : json!["QUERY PLAN"]) as { Plan: PlanNode }[];
    const plan = root[0]!.Plan;
    return { text: lines.map((l) => l["QUERY PLAN"]).join("\n"), shape: shapeOf(plan), seqScans: seqScansOf(plan) };
  });
}

export function sameShape(a: Plan, b: Plan): boolean {
  return a.shape.join(">") === b.shape.join(">");
}

interface PlanNode {
  "Node Type": string;
  "Parent Relationship"?: string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

const CACHES = new Set(["Materialize", "Memoize"]);

function shapeOf(node: PlanNode): string[] {
  const on = node["Index Name"] ?? node["Relation Name"];
  const children = (node.Plans ?? []).filter((c) => c["Parent Relationship"] !== "InitPlan" && c["Parent Relationship"] !== "SubPlan");
  const self = CACHES.has(node["Node Type"]) ? [] : [on ? `${node["Node Type"]} on ${on}` : node["Node Type"]];
  return [...self, ...children.flatMap(shapeOf)];
}

function seqScansOf(node: PlanNode): string[] {
  const self = node["Node Type"] === "Seq Scan" ? [node["Relation Name"] ?? "?"] : [];
  return [...self, ...(node.Plans ?? []).flatMap(seqScansOf)];
}
