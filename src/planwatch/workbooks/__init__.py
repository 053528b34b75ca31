"""Workbooks planwatch writes: the agencies' pre-filled templates, their layout
(shared with the demo's agency files), and the xlsx writing helpers."""
