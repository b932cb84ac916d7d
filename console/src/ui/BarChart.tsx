/** A small inline-SVG bar chart (no chart library): one bar per day, its value in a title and a table for screen readers. */
export function BarChart({ title, points }: { title: string; points: { label: string; value: number }[] }) {
  const width = 600;
  const height = 140;
  // Room above the tallest bar for the "max" label, so a bar never covers it.
  const top = 16;
  const max = Math.max(1, ...points.map((p) => p.value));
  const barWidth = points.length ? width / points.length : width;
  return (
    <figure class="chart-figure">
      <svg class="chart" viewBox={`0 0 ${width} ${top + height + 18}`} role="img" aria-label={`${title}: ${points.map((p) => `${p.label} ${p.value}`).join(', ') || 'no data'}`}>
        {points.map((point, index) => {
          const barHeight = (point.value / max) * height;
          return (
            <g key={point.label}>
              <rect class="bar" x={index * barWidth + 1} y={top + height - barHeight} width={Math.max(1, barWidth - 2)} height={barHeight}>
                <title>{`${point.label}: ${point.value}`}</title>
              </rect>
              {(index === 0 || index === points.length - 1) && (
                <text x={index === 0 ? 0 : width} y={top + height + 14} text-anchor={index === 0 ? 'start' : 'end'}>{point.label}</text>
              )}
            </g>
          );
        })}
        <text x={width} y={10} text-anchor="end">max {max}</text>
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

/** The last `days` UTC days, oldest first, as YYYY-MM-DD. */
export function lastDays(days: number, now = new Date()): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--) out.push(new Date(now.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}
