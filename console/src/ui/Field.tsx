import { cloneElement, type ComponentChildren, type VNode } from 'preact';
import { useId } from 'preact/hooks';

interface FieldProps {
  label: string;
  description?: ComponentChildren;
  error?: string | null;
  /** One input, select or textarea: Field gives it an id and ties the label, description and error to it. */
  children: VNode<Record<string, unknown>>;
}

/** The one way an input meets its label, its description and its error. */
export function Field({ label, description, error, children }: FieldProps) {
  const id = useId();
  const descriptionId = description ? `${id}-description` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [descriptionId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      {cloneElement(children, { id, 'aria-describedby': describedBy, 'aria-invalid': error ? 'true' : undefined })}
      {description && <p class="field-description" id={descriptionId}>{description}</p>}
      {error && <p class="field-error" id={errorId} role="alert">{error}</p>}
    </div>
  );
}
