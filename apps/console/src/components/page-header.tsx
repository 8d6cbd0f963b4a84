import type { ReactNode } from 'react';

export function PageHeader({ title, description, crumbs, actions }: { title: ReactNode; description?: ReactNode; crumbs?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        {crumbs ? <div className="breadcrumb">{crumbs}</div> : null}
        <h1>{title}</h1>
        {description ? <p>{description}</p> : null}
      </div>
      {actions ? <div className="row">{actions}</div> : null}
    </div>
  );
}
