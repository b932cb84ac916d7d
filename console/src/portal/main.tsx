import { render } from 'preact';
import '../styles.css';
import './portal.css';
import { PortalApp } from './PortalApp';

const root = document.getElementById('portal');
if (root) render(<PortalApp />, root);
