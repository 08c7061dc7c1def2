// Owns drawing a flow graph as inline SVG: dagre lays it out, this turns boxes and edge points into markup.
import { graphlib, layout, type GraphEdge as LaidOutEdge, type Node as LaidOutNode } from '@dagrejs/dagre';
import type { FlowGraph, GraphEdge, GraphNode } from './flow-graph';

/** Text is measured without a browser: a generous average glyph width keeps it inside its box. */
const CHAR_WIDTH = { title: 8.4, line: 6.9, label: 6.6 } as const;
const LINE_HEIGHT = { title: 20, line: 17, label: 15 } as const;
const NODE_MAX_CHARS = 28;
const LABEL_MAX_CHARS = 26;
const PAD = 12;
const LOOP_WIDTH = 34;
const SAY = '▸ say ';

interface Box {
  readonly width: number;
  readonly height: number;
}

interface Point {
  readonly x: number;
  readonly y: number;
}

/** The flow as an `<svg>` element; nodes carry `data-node` so the page can highlight the caller's position. */
export function diagramSvg(graph: FlowGraph): string {
  const g = new graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 22, ranksep: 34, edgesep: 14, marginx: 8, marginy: 8 });
  // dagre misplaces self-loops, so a loop is drawn here, beside its node, in room reserved by widening the node.
  const loops = new Map<string, string[]>();
  for (const edge of graph.edges) if (edge.from === edge.to) loops.set(edge.from, [...(loops.get(edge.from) ?? []), ...labelLines(edge)]);
  for (const node of graph.nodes) {
    const box = nodeBox(node);
    const loop = loops.get(node.id);
    g.setNode(node.id, { ...box, width: box.width + (loop === undefined ? 0 : LOOP_WIDTH + labelBox(loop).width) });
  }
  const edges = graph.edges.filter((edge) => edge.from !== edge.to);
  edges.forEach((edge, index) => {
    const box = labelBox(labelLines(edge));
    g.setEdge(edge.from, edge.to, { ...box, labelpos: 'c', minlen: edge.kind === 'start' ? 1 : 2 }, `e${index}`);
  });
  layout(g);

  const { width = 0, height = 0 } = g.graph();
  const boxes = new Map(graph.nodes.map((node) => [node.id, realBox(node, g.node(node.id))]));
  const drawnEdges = edges.map((edge, index) => {
    const label = g.edge({ v: edge.from, w: edge.to, name: `e${index}` });
    return drawEdge(edge, labelCentre(label), attach(label.points, boxes.get(edge.from), boxes.get(edge.to)));
  });
  const nodes = graph.nodes.map((node) => drawNode(node, boxes.get(node.id) ?? realBox(node, g.node(node.id)), loops.get(node.id)));
  return [
    `<svg class="flow-diagram" viewBox="0 0 ${round(width)} ${round(height)}" width="${round(width)}" height="${round(height)}" role="img" aria-label="Flow diagram: menus and where each answer leads; the caller's position is marked now">`,
    `<g class="edges">${drawnEdges.join('')}</g>`,
    `<g class="nodes">${nodes.join('')}</g>`,
    '</svg>',
  ].join('');
}

/** Shared by every diagram on the page: a marker inside a hidden tab would not render for the visible ones. */
export const DIAGRAM_DEFS =
  '<svg class="diagram-defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>' +
  '<marker id="dp-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
  '<path d="M0,0 L10,5 L0,10 z"/></marker></defs></svg>';

function nodeLines(node: GraphNode): string[] {
  return node.lines.map((line) => truncate(line, NODE_MAX_CHARS));
}

function nodeBox(node: GraphNode): Box {
  const lines = nodeLines(node);
  const textWidth = Math.max(node.title.length * CHAR_WIDTH.title, ...lines.map((line) => line.length * CHAR_WIDTH.line));
  const minWidth = node.kind === 'menu' ? 176 : 120;
  return {
    width: Math.max(minWidth, Math.ceil(textWidth) + 2 * PAD),
    height: 2 * PAD + LINE_HEIGHT.title + lines.length * LINE_HEIGHT.line - (lines.length === 0 ? 6 : 0),
  };
}

function labelLines(edge: GraphEdge): string[] {
  const lines: string[] = [];
  for (const condition of edge.conditions) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + condition.length + 3 <= LABEL_MAX_CHARS) lines[lines.length - 1] = `${last} · ${condition}`;
    else lines.push(truncate(condition, LABEL_MAX_CHARS));
  }
  for (const say of edge.says) lines.push(truncate(`${SAY}${say}`, LABEL_MAX_CHARS));
  return lines;
}

function labelBox(lines: readonly string[]): Box {
  if (lines.length === 0) return { width: 0, height: 0 };
  return {
    width: Math.ceil(Math.max(...lines.map((line) => line.length)) * CHAR_WIDTH.label) + 10,
    height: lines.length * LINE_HEIGHT.label + 6,
  };
}

interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The node's own rectangle: the left part of the slot dagre gave it (the rest holds a self-loop). */
function realBox(node: GraphNode, laidOut: LaidOutNode): Rect {
  return {
    x: laidOut.x - laidOut.width / 2,
    y: laidOut.y - laidOut.height / 2,
    width: nodeBox(node).width,
    height: laidOut.height,
  };
}

/** Re-ends an edge on its nodes' own rectangles, which are narrower than dagre's slots beside a self-loop. */
function attach(points: readonly Point[], from: Rect | undefined, to: Rect | undefined): Point[] {
  const inner = points.slice(1, -1);
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || from === undefined || to === undefined) return [...points];
  return [border(from, inner[0] ?? last), ...inner, border(to, inner.at(-1) ?? first)];
}

/** Where the line from the rectangle's centre towards `toward` leaves the rectangle. */
function border(rect: Rect, toward: Point): Point {
  const cx = rect.x + rect.width / 2;
  const cy = rect.y + rect.height / 2;
  const dx = toward.x - cx;
  const dy = toward.y - cy;
  if (dx === 0 && dy === 0) return { x: cx, y: cy };
  const scale = Math.abs(dy) * rect.width > Math.abs(dx) * rect.height ? rect.height / 2 / Math.abs(dy) : rect.width / 2 / Math.abs(dx);
  return { x: cx + dx * scale, y: cy + dy * scale };
}

function drawNode(node: GraphNode, box: Rect, loop: readonly string[] | undefined): string {
  const { x, y } = box;
  const lines = nodeLines(node);
  const full = [node.title, ...node.lines].join(' — ');
  const radius = node.kind === 'start' ? box.height / 2 : 8;
  const text = [
    `<tspan class="node-title" x="${round(x + PAD)}" y="${round(y + PAD + 14)}">${escapeXml(node.title)}</tspan>`,
    ...lines.map(
      (line, index) =>
        `<tspan class="node-line${index === 1 ? ' node-prompt' : ''}" x="${round(x + PAD)}" y="${round(y + PAD + LINE_HEIGHT.title + 12 + index * LINE_HEIGHT.line)}">${escapeXml(line)}</tspan>`,
    ),
  ];
  return (
    `<g class="node node-${node.kind}" data-node="${escapeXml(node.id)}"><title>${escapeXml(full)}</title>` +
    `<rect x="${round(x)}" y="${round(y)}" width="${round(box.width)}" height="${round(box.height)}" rx="${round(radius)}"/>` +
    `<text>${text.join('')}</text>` +
    `<text class="here" x="${round(x + box.width - PAD)}" y="${round(y + PAD + 14)}" text-anchor="end">● now</text></g>` +
    (loop === undefined ? '' : drawLoop(node, x + box.width, y + box.height / 2, loop))
  );
}

/** A route back into the same menu: an arc off the node's right side, its label beyond it. */
function drawLoop(node: GraphNode, right: number, middle: number, lines: readonly string[]): string {
  const box = labelBox(lines);
  const top = middle - box.height / 2;
  const left = right + LOOP_WIDTH - 6;
  const d = `M${round(right)},${round(middle - 12)} C${round(right + 30)},${round(middle - 16)} ${round(right + 30)},${round(middle + 16)} ${round(right + 1)},${round(middle + 12)}`;
  return (
    `<g class="edge edge-route edge-loop" data-from="${escapeXml(node.id)}" data-to="${escapeXml(node.id)}">` +
    `<path class="edge-line" d="${d}" marker-end="url(#dp-arrow)"/>` +
    `<rect class="edge-label" x="${round(left)}" y="${round(top)}" width="${round(box.width)}" height="${round(box.height)}" rx="4"/>` +
    `<text>${labelText(lines, left, top)}</text></g>`
  );
}

/** dagre puts an edge's label centre on the edge object, untyped. */
function labelCentre(edge: LaidOutEdge): Point | undefined {
  const x: unknown = edge['x'];
  const y: unknown = edge['y'];
  return typeof x === 'number' && typeof y === 'number' ? { x, y } : undefined;
}

function drawEdge(edge: GraphEdge, label: Point | undefined, points: readonly Point[]): string {
  const path = `<path class="edge-line" d="${smoothPath(points)}" marker-end="url(#dp-arrow)"/>`;
  const lines = labelLines(edge);
  if (lines.length === 0 || label === undefined) return `<g class="edge edge-${edge.kind}">${path}</g>`;
  const box = labelBox(lines);
  const left = label.x - box.width / 2;
  const top = label.y - box.height / 2;
  return (
    `<g class="edge edge-${edge.kind}" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}">${path}` +
    `<rect class="edge-label" x="${round(left)}" y="${round(top)}" width="${round(box.width)}" height="${round(box.height)}" rx="4"/>` +
    `<text>${labelText(lines, left, top)}</text></g>`
  );
}

function labelText(lines: readonly string[], left: number, top: number): string {
  return lines
    .map(
      (line, index) =>
        `<tspan class="${line.startsWith(SAY) ? 'edge-say' : 'edge-when'}" x="${round(left + 5)}" y="${round(top + 14.5 + index * LINE_HEIGHT.label)}">${escapeXml(line)}</tspan>`,
    )
    .join('');
}

/** Straight first and last segments, quadratic curves through the bends in between. */
function smoothPath(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (first === undefined) return '';
  const parts = [`M${round(first.x)},${round(first.y)}`];
  rest.forEach((point, index) => {
    const next = rest[index + 1];
    if (next === undefined) {
      parts.push(`L${round(point.x)},${round(point.y)}`);
      return;
    }
    parts.push(`Q${round(point.x)},${round(point.y)} ${round((point.x + next.x) / 2)},${round((point.y + next.y) / 2)}`);
  });
  return parts.join(' ');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

const round = (value: number): string => String(Math.round(value * 10) / 10);

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[c] ?? c);
}
