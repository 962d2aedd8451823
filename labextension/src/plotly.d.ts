// The little of plotly.js the panel uses (the package ships no types of its own).
declare module 'plotly.js-dist-min' {
  export function react(
    root: HTMLElement,
    data: Array<Record<string, unknown>>,
    layout?: Record<string, unknown>,
    config?: Record<string, unknown>
  ): Promise<HTMLElement>;
  export function purge(root: HTMLElement): void;
  export const Plots: { resize(root: HTMLElement): void };
}
