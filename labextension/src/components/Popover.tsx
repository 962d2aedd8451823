// A button that opens a small floating box under it; a click outside closes it.
import React, { useEffect, useRef, useState } from 'react';

export function Popover(props: {
  label: string;
  title: string;
  className?: string;
  children: React.ReactNode;
}): JSX.Element {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) {
      return;
    }
    const close = (event: MouseEvent): void => {
      if (ref.current && !ref.current.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  return (
    <div className={'jp-mltrack-popover ' + (props.className ?? '')} ref={ref}>
      <button
        className="jp-mltrack-button jp-mltrack-dropdown"
        title={props.title}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {props.label} ▾
      </button>
      {open && <div className="jp-mltrack-popover-box">{props.children}</div>}
    </div>
  );
}
