// The engine is compiled with `lib: ["es2022"]` so that nothing from the DOM can creep in.
// These few platform APIs exist alike in browsers, workers and Node; declaring just what the
// engine uses keeps that boundary checked by the compiler.

declare global {
  interface AbortSignal {
    readonly aborted: boolean;
    readonly reason: unknown;
    addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
    removeEventListener(type: 'abort', listener: () => void): void;
    throwIfAborted(): void;
  }
  interface AbortController {
    readonly signal: AbortSignal;
    abort(reason?: unknown): void;
  }
  var AbortController: { prototype: AbortController; new (): AbortController };
  var AbortSignal: {
    prototype: AbortSignal;
    any(signals: AbortSignal[]): AbortSignal;
    abort(reason?: unknown): AbortSignal;
  };

  interface DOMException extends Error {
    readonly name: string;
  }
  var DOMException: { prototype: DOMException; new (message?: string, name?: string): DOMException };

  function setTimeout(handler: () => void, ms?: number): unknown;
  function clearTimeout(id: unknown): void;
  function queueMicrotask(callback: () => void): void;

  var performance: { now(): number };

  interface TextEncoder {
    encode(input?: string): Uint8Array;
  }
  var TextEncoder: { prototype: TextEncoder; new (): TextEncoder };
}

export {};
