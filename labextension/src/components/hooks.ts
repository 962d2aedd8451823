// React glue: re-render a component whenever a model's signal fires.
import { ISignal } from '@lumino/signaling';
import { useEffect, useState } from 'react';

/** Re-renders the calling component on every emission of `signal`. */
export function useSignal(signal: ISignal<unknown, unknown>): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const rerender = (): void => setTick(tick => tick + 1);
    signal.connect(rerender);
    return () => {
      signal.disconnect(rerender);
    };
  }, [signal]);
}
