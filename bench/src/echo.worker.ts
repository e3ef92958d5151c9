// Sends every buffer straight back: by transfer when it came by transfer, by copy otherwise.
self.onmessage = (e: MessageEvent<{ buf: ArrayBuffer; transfer: boolean }>) => {
  const { buf, transfer } = e.data;
  if (transfer) (self as unknown as Worker).postMessage({ buf, transfer }, [buf]);
  else (self as unknown as Worker).postMessage({ buf, transfer });
};
