// 系统管理 (the admin's console): one tab per job — 预警规则, 接收端, 用户与令牌, 单位, 静默, 审计日志 —
// each its own module (admin-*.ts) drawing into its panel. #/admin/rules … opens a tab; #/admin
// opens the first. Every change goes through the API, which audits it; the page only offers what
// the admin role may do (the server refuses the rest).
import './admin.css';
import { $, el } from './core';
import * as audit from './admin-audit';
import * as receivers from './admin-receivers';
import * as rules from './admin-rules';
import * as silences from './admin-silences';
import * as units from './admin-units';
import * as users from './admin-users';

/** What a tab's module provides: draw into its panel (again on every visit), and forget its state at sign-out. */
export interface AdminPanel {
  show(panel: HTMLElement): Promise<void> | void;
  reset(): void;
}

const TABS: Array<{ name: string; label: string; module: AdminPanel }> = [
  { name: 'rules', label: '预警规则', module: rules },
  { name: 'receivers', label: '接收端', module: receivers },
  { name: 'users', label: '用户与令牌', module: users },
  { name: 'units', label: '单位', module: units },
  { name: 'silences', label: '静默', module: silences },
  { name: 'audit', label: '审计日志', module: audit },
];

let built: { tabs: Map<string, HTMLAnchorElement>; panels: Map<string, HTMLElement> } | null = null;

function build() {
  const root = $('admin-view');
  root.replaceChildren();
  const header = el('div', 'toolbar');
  header.append(el('h2', null, '系统管理'));
  const nav = el('nav', 'tabs');
  nav.setAttribute('aria-label', '系统管理');
  const tabs = new Map<string, HTMLAnchorElement>();
  const panels = new Map<string, HTMLElement>();
  for (const t of TABS) {
    const a = el('a', 'tab', t.label);
    a.href = `#/admin/${t.name}`;
    a.id = `admin-tab-${t.name}`;
    a.dataset.tab = t.name;
    nav.append(a);
    tabs.set(t.name, a);
    const panel = el('section', 'admin-panel');
    panel.id = `admin-${t.name}`;
    panel.setAttribute('aria-labelledby', a.id);
    panel.hidden = true;
    panels.set(t.name, panel);
  }
  root.append(header, nav, ...panels.values());
  built = { tabs, panels };
  return built;
}

/** Shows the tab `sub` names (the first when none or unknown). */
export async function show(sub: string | null): Promise<void> {
  const b = built ?? build();
  const tab = TABS.find((t) => t.name === sub) ?? TABS[0]!;
  for (const t of TABS) {
    const active = t === tab;
    b.panels.get(t.name)!.hidden = !active;
    const a = b.tabs.get(t.name)!;
    a.classList.toggle('active', active);
    if (active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  await tab.module.show(b.panels.get(tab.name)!);
}

/** Signed out: every tab forgets what it held. */
export function reset(): void {
  for (const t of TABS) t.module.reset();
  built = null;
  $('admin-view').replaceChildren();
}
