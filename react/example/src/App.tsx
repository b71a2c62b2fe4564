import { LLPlayer, type Player, type PlayerSnapshot } from '@llstream/react';
import { useState } from 'react';

declare global {
  interface Window {
    /** The page's core player, for the console and the end-to-end tests' probe. */
    __llPlayer?: Player<unknown> | null;
  }
}

// Override with ?src=<MPD URL>&targetLatency=<seconds>, or VITE_LLSTREAM_SRC at build time.
const params = new URLSearchParams(window.location.search);
const src = params.get('src') ?? import.meta.env.VITE_LLSTREAM_SRC ?? 'http://localhost:8080/live/demo/manifest.mpd';
const targetLatency = params.has('targetLatency') ? Number(params.get('targetLatency')) : null;

const seconds = (value: number | null) => (value === null ? '–' : `${value.toFixed(3)} s`);

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

export function App() {
  const [state, setState] = useState<PlayerSnapshot | null>(null);
  return (
    <main>
      <h1>llstream · React</h1>
      <LLPlayer
        src={src}
        targetLatency={targetLatency}
        muted
        autoPlay
        controls
        ref={(player) => {
          window.__llPlayer = player;
        }}
        onStateChange={setState}
        onError={(error) => console.warn(`llstream: ${error.code}: ${error.message}`)}
      />
      <dl className="stats" aria-label="Player state">
        <Stat label="Status" value={state?.status ?? 'idle'} />
        <Stat label="Live latency" value={seconds(state?.liveLatency ?? null)} />
        <Stat label="Target latency" value={`${seconds(state?.targetLatency ?? null)} (${state?.targetLatencySource ?? 'auto'})`} />
        <Stat label="Buffer ahead" value={seconds(state?.bufferAhead ?? null)} />
        <Stat label="Playback rate" value={state?.playbackRate.toFixed(3) ?? '–'} />
        <Stat label="Stalls" value={String(state?.stallCount ?? 0)} />
      </dl>
      <p>
        Playing <code>{src}</code>
      </p>
    </main>
  );
}
