// Starter pipelines, openable with one click. Each names the bundled sample its source steps load;
// the asset id (the pixel hash) is filled in when the sample is decoded, so examples stay valid
// whatever the browser's decoder produces.

import { resolveParams, type Graph } from '../engine';
import { registry } from '../ops/registry';

export interface Example {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** Source step id → file in public/samples/. */
  readonly samples: Readonly<Record<string, string>>;
  readonly graph: Graph;
}

const at = (x: number, y: number) => ({ x, y });
const edge = (from: string, to: string, toPort = 'image', fromPort = 'image') => ({ from: { node: from, port: fromPort }, to: { node: to, port: toPort } });

const written: readonly Example[] = [
  {
    id: 'touch-up',
    title: 'Photo touch-up',
    description: 'Lift the exposure, add contrast and colour, then soften and sharpen.',
    samples: { photo: 'coffee.png' },
    graph: {
      nodes: [
        { id: 'photo', op: 'image-source', params: { asset: '' }, position: at(0, 80), label: 'coffee.png' },
        { id: 'bc', op: 'brightness-contrast', params: { brightness: 10, contrast: 20 }, position: at(260, 0) },
        { id: 'hsl', op: 'hue-saturation', params: { hue: 0, saturation: 25, lightness: 0 }, position: at(520, 0) },
        { id: 'levels', op: 'levels', params: {}, position: at(780, 0) },
        { id: 'blur', op: 'gaussian-blur', params: { sigma: 1.5 }, position: at(520, 200) },
        { id: 'blend', op: 'blend', params: { mode: 'overlay', opacity: 35 }, position: at(1040, 80) },
      ],
      edges: [edge('photo', 'bc'), edge('bc', 'hsl'), edge('hsl', 'levels'), edge('hsl', 'blur'), edge('levels', 'blend', 'base'), edge('blur', 'blend', 'top')],
    },
  },
  {
    id: 'mono',
    title: 'Moody black and white',
    description: 'Grayscale with a strong curve, a threshold mask and statistics of the result.',
    samples: { photo: 'chelsea.png' },
    graph: {
      nodes: [
        { id: 'photo', op: 'image-source', params: { asset: '' }, position: at(0, 60), label: 'chelsea.png' },
        { id: 'gray', op: 'grayscale', params: {}, position: at(260, 60) },
        { id: 'curve', op: 'levels', params: { inBlack: 30, inWhite: 220 }, position: at(520, 0) },
        { id: 'stats', op: 'statistics', params: {}, position: at(780, 0) },
        { id: 'edges', op: 'threshold', params: { level: 110 }, position: at(520, 200) },
      ],
      edges: [edge('photo', 'gray'), edge('gray', 'curve'), edge('curve', 'stats'), edge('gray', 'edges')],
    },
  },
  {
    id: 'postcard',
    title: 'Postcard',
    description: 'Resize for the web, rotate a touch, pad with a border and posterize.',
    samples: { photo: 'rocket.jpg' },
    graph: {
      nodes: [
        { id: 'photo', op: 'image-source', params: { asset: '' }, position: at(0, 60), label: 'rocket.jpg' },
        { id: 'resize', op: 'resize', params: { scale: 75 }, position: at(260, 60) },
        { id: 'rotate', op: 'rotate', params: { angle: -3 }, position: at(520, 60) },
        { id: 'pad', op: 'pad', params: { top: 24, right: 24, bottom: 24, left: 24, color: '#f4efe6ff' }, position: at(780, 60) },
        { id: 'poster', op: 'posterize', params: { levels: 6 }, position: at(1040, 60) },
      ],
      edges: [edge('photo', 'resize'), edge('resize', 'rotate'), edge('rotate', 'pad'), edge('pad', 'poster')],
    },
  },
];

/** Parameters left out above take their defaults, as they would in a saved file. */
export const examples: readonly Example[] = written.map((ex) => ({
  ...ex,
  graph: {
    nodes: ex.graph.nodes.map((n) => {
      const op = registry.get(n.op);
      if (!op) throw new Error(`Example "${ex.id}" uses unknown operation "${n.op}"`);
      return { ...n, params: resolveParams(op, n.params) };
    }),
    edges: ex.graph.edges,
  },
}));
