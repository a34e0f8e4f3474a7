import {useEffect, useState} from 'react';

/**
 * The current time, refreshed every `intervalMs` while mounted. One shared timer serves every
 * subscriber, and stops when the last one unmounts.
 */
const subscribers = new Set<(now: number) => void>();
let timer: ReturnType<typeof setInterval> | undefined;
const TICK_MS = 1000;

function tick(): void {
    const now = Date.now();
    for (const subscriber of subscribers) {
        subscriber(now);
    }
}

export function useNow(): number {
    const [now, setNow] = useState(() => Date.now());
    useEffect(() => {
        subscribers.add(setNow);
        if (timer === undefined) {
            timer = setInterval(tick, TICK_MS);
        }
        return () => {
            subscribers.delete(setNow);
            if (subscribers.size === 0 && timer !== undefined) {
                clearInterval(timer);
                timer = undefined;
            }
        };
    }, []);
    return now;
}

/** Stops the shared clock (plugin teardown); returns how many components were still subscribed. */
export function stopClock(): number {
    if (timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
    }
    return subscribers.size;
}

