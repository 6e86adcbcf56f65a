import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AdminClient } from './AdminClient.js';
import { App } from './App.js';
import 'uplot/dist/uPlot.min.css';
import './studio.css';

const root = document.getElementById('studio');
if (root === null) throw new Error('the studio page has no #studio element');
createRoot(root).render(<StrictMode><App client={new AdminClient(window.sessionStorage)} /></StrictMode>);
