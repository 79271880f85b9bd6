# Made by kvlsm-bench --report; run `gnuplot plots.gp` in this directory.
engines = 3
names = "kvlsm rocksdb leveldb"
set terminal svg size 1100,520 dynamic font "sans,11" background rgb "white"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set key outside top center horizontal
set xtics rotate by -30 nomirror
set output "throughput.svg"
set title "Throughput per workload (operations per second, log scale; higher is better)"
plot for [e=1:engines] "throughput.dat" using (column(e+1)):xtic(1) title word(names, e)
set terminal svg size 1100,1400 dynamic font "sans,11" background rgb "white"
set output "latency.svg"
set multiplot layout 3,1 title "Latency per operation (microseconds, log scale; lower is better)"
set title "p50"
plot for [e=1:engines] "latency.dat" using (column(2+3*(e-1)+0)):xtic(1) title word(names, e)
set title "p99"
plot for [e=1:engines] "latency.dat" using (column(2+3*(e-1)+1)):xtic(1) title word(names, e)
set title "p99.9"
plot for [e=1:engines] "latency.dat" using (column(2+3*(e-1)+2)):xtic(1) title word(names, e)
unset multiplot
